// The SENSITIVE conformance cases alone (data subjects, MASKED fields), against every driver whose
// server is here (the full suite runs them too): `KOVA_TEST_FILTER=conformance/dist/test/sensitive`.
import { testCaseGroup } from "./case-group.js";

await testCaseGroup("data subjects and MASKED fields", "SENSITIVE: ");
