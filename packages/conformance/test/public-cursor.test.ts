import { testCaseGroup } from "./case-group.js";

// Keyset pages of PUBLIC ID entities on every driver whose server is here: no cursor carries the integer key.
await testCaseGroup("PUBLIC ID pages", "PUBLIC ID pages");
