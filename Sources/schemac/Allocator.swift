import Foundation

/// Process-wide tuning of the C library's allocator.
enum Allocator {
    /// glibc gives threads that allocate at once arenas of their own, up to
    /// eight a core, and memory freed into one arena serves only the threads
    /// of that arena: the YAML trees the loader's workers built and dropped
    /// were never reused by the normalizer's thread, and a diff of 10,000
    /// tables peaked at 514 MiB resident (390 MiB with two arenas, as fast).
    /// `MALLOC_ARENA_MAX`, when set, is the user's to choose.
    static func limitArenas() {
        #if os(Linux)
        guard ProcessInfo.processInfo.environment["MALLOC_ARENA_MAX"] == nil,
              let symbol = dlsym(nil, "mallopt") else { return }
        typealias SetOption = @convention(c) (Int32, Int32) -> Int32
        let arenaMax: Int32 = -8  // M_ARENA_MAX in <malloc.h>
        _ = unsafeBitCast(symbol, to: SetOption.self)(arenaMax, 2)
        #endif
    }
}
