import CProcess

/// The process's heap as the system sees it.
public enum ProcessMemory {
    /// Returns the heap's free pages to the system (glibc `malloc_trim(0)`): after a load that
    /// replaced large arrays, freed memory otherwise stays resident. Costs a walk of the free
    /// lists (milliseconds for gigabytes): call after large loads, not per frame.
    @discardableResult
    public static func releaseFree() -> Bool { warden_release_free_memory() == 1 }
}
