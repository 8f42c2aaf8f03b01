{
  "targets": [
    {
      "target_name": "afpacket",
      "conditions": [
        ["OS=='linux'", {
          "sources": ["afpacket.c"],
          "libraries": ["-lpcap"],
          "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"]
        }]
      ]
    }
  ]
}
