// The ACTION/EVENT conformance cases alone, against every driver whose server is here (the full
// suite runs them too): `KOVA_TEST_FILTER=conformance/dist/test/actions` runs just these.
import { testCaseGroup } from "./case-group.js";

await testCaseGroup("actions and events", "actions: ");
