// Loaded before every test file: registers the server backends the contract suites also run on.
import './server-targets.ts'
