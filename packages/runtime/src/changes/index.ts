export { ChangeFeed, changeFeedFor, existingChangeFeed, type ChangeConsumer, type ChangeEvent, type ChangeFanout, type ChangeFeedOptions, type ChangeListener, type ChangeOrigin } from "./change-feed.js";
export { startChangeFeed, usesChanges, type ChangeStartOptions } from "./start.js";
