/** Live capture: the frame sources behind `poolwatch live` (the engines that analyze them are in src/live). */
export * from './errors';
export * from './sysfs';
export type { InterfaceStats } from './stats';
export { loadCap, linkTypeOf, type CapAddress, type CapDevice, type CapModule } from './cap-binding';
export { StreamFeed, LiveCapture, type LiveCaptureOptions } from './cap';
export { STOP_DRAIN_MS, type ChildConfig } from './cap-child';
