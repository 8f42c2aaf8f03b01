// Moved to decode/, where frames are read; kept for importers not yet updated (test/detect/engine.test.ts).
export { TcpFrameKey, tcpFrameKey } from '../decode/frame-key';
