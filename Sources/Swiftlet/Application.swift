// Swiftlet: what the generated wiring needs from an application.
//
// An application is a type with a static `start` function taking the devices its manifest names, in
// that order, with those labels (`console:`, `network:`, `timers:`, `entropy:`, `store:`, ...), and
// last `arguments:` (its generated `Arguments`, see ApplicationArguments.swift) when it declares any.
// `start` may return nothing (exit status 0) or an `Int32` exit status; the generated `main` calls `exitStatus(await App.start(...))`, and these overloads pick the right meaning.

/// A `start` that returns nothing succeeded.
@inlinable public func exitStatus(_: Void) -> Int32 { 0 }

/// A `start` that returns a status exits with it.
@inlinable public func exitStatus(_ status: Int32) -> Int32 { status }
