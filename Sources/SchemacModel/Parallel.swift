import Dispatch

/// Wraps a value whose use across threads the caller has made safe by hand.
public struct UncheckedSendable<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}

/// `items.map(transform)` spread over the machine's cores; results keep the
/// order of `items`, so callers stay deterministic. `transform` must not touch
/// shared mutable state.
public func parallelMap<T, R>(_ items: [T], _ transform: (T) -> R) -> [R] {
    guard items.count > 1 else { return items.map(transform) }
    return withoutActuallyEscaping(transform) { transform in
        let slots = UncheckedSendable(UnsafeMutableBufferPointer<R?>.allocate(capacity: items.count))
        slots.value.initialize(repeating: nil)
        defer {
            _ = slots.value.deinitialize()
            slots.value.deallocate()
        }
        let work = UncheckedSendable((items, transform))
        // Each iteration writes only its own slot.
        DispatchQueue.concurrentPerform(iterations: items.count) { i in
            slots.value[i] = work.value.1(work.value.0[i])
        }
        return slots.value.map { $0! }
    }
}
