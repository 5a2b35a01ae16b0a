/**
 * The playground's tutorials, in the order the panel offers them (shortest first). The page's
 * bundle reaches this list through the panel: nothing here may import the compiler's code (the
 * outline, which lowers programs, runs in the check worker).
 */
import { firstEntity } from "./first-entity.js";
import type { Tutorial } from "./model.js";
import { timeTravel } from "./time-travel.js";
import { todoHistory } from "./todo-history.js";

export const TUTORIALS: readonly Tutorial[] = [firstEntity, timeTravel, todoHistory];
