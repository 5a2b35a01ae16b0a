import { testCaseGroup } from "./case-group.js";

// IDENTIFIER (stable and VERSIONED, made for records that had none) on every driver whose server is here.
await testCaseGroup("IDENTIFIER", "IDENTIFIER");
