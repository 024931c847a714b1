// Swiftlet: modules every application needs with `import Swiftlet` alone.
//
// In Embedded Swift the concurrency module is not implicit: a file that uses `async` without importing
// `_Concurrency` fails to compile ("cannot find 'withTaskGroup' in scope"). Re-exporting it here means
// application code written for `unix` builds unchanged for `kvm`.

@_exported import _Concurrency
