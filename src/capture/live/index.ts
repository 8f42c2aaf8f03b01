/** Live capture: the engines behind `poolwatch live` and what they share. */
export * from './errors';
export * from './sysfs';
export * from './engine';
export { loadCap, linkTypeOf, type CapAddress, type CapDevice, type CapModule } from './cap-binding';
export { StreamFeed, LiveCapture, type LiveCaptureOptions } from './cap';
export { STOP_DRAIN_MS, type ChildConfig } from './cap-child';
