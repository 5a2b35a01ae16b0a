// The AUDIT conformance cases alone, against every driver whose server is here (the full suite
// runs them too): `KOVA_TEST_FILTER=conformance/dist/test/audit` runs just these.
import { testCaseGroup } from "./case-group.js";

await testCaseGroup("AUDIT", "AUDIT");
