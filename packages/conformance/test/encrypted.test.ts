// The ENCRYPTED conformance cases alone, against every driver whose server is here (the full
// suite runs them too): `KOVA_TEST_FILTER=conformance/dist/test/encrypted` runs just these.
import { testCaseGroup } from "./case-group.js";

await testCaseGroup("ENCRYPTED fields", "ENCRYPTED: ");
