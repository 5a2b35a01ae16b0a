// The TENANT BY conformance cases alone (actions run with their caller's tenant among them), against
// every driver whose server is here (the full suite runs them too):
// `KOVA_TEST_FILTER=conformance/dist/test/tenants` runs just these.
import { testCaseGroup } from "./case-group.js";

await testCaseGroup("TENANT BY", "TENANT BY");
