using System.Runtime.Intrinsics.X86;

namespace Backprop.Kernels;

/// <summary>
/// The sizes of the core's level-1 data cache and level-2 cache, read once from the processor (CPUID), for kernels
/// whose blocking depends on them. Only the blocking depends on them, never what is computed, so results do not
/// change with the machine.
/// </summary>
internal static class CpuCaches
{
    /// <summary>
    /// What <see cref="L1DataBytes"/> is when the processor does not say: 48 KB, the L1d of the Zen 5 host the GEMM's
    /// blocking was first tuned on, so an unknown processor gets that tuning.
    /// </summary>
    internal const int DefaultL1DataBytes = 48 * 1024;

    /// <summary>What <see cref="L2Bytes"/> is when the processor does not say: 1 MB, as on Zen 4 and Zen 5.</summary>
    internal const int DefaultL2Bytes = 1024 * 1024;

    /// <summary>Bytes of level-1 data cache per core, or <see cref="DefaultL1DataBytes"/> when it cannot be read.</summary>
    public static int L1DataBytes { get; } = Detect(level: 1, DefaultL1DataBytes);

    /// <summary>Bytes of level-2 cache per core, or <see cref="DefaultL2Bytes"/> when it cannot be read.</summary>
    public static int L2Bytes { get; } = Detect(level: 2, DefaultL2Bytes);

    /// <summary>The size of the data (or unified) cache of <paramref name="level"/>, or <paramref name="fallback"/>.</summary>
    private static int Detect(int level, int fallback)
    {
        if (!X86Base.IsSupported)
            return fallback;
        // Both vendors describe their caches one per sub-leaf in the same format (deterministic cache parameters):
        // AMD in leaf 0x8000001D (when the topology extensions, bit 22 of leaf 0x80000001 ECX, are there), Intel in leaf 4.
        var (_, vendorB, vendorC, vendorD) = X86Base.CpuId(0, 0);
        bool amd = vendorB == 0x68747541 && vendorD == 0x69746E65 && vendorC == 0x444D4163; // "AuthenticAMD"
        bool intel = vendorB == 0x756E6547 && vendorD == 0x49656E69 && vendorC == 0x6C65746E; // "GenuineIntel"
        int leaf;
        if (amd && (uint)X86Base.CpuId(unchecked((int)0x80000000), 0).Eax >= 0x8000001D
            && (X86Base.CpuId(unchecked((int)0x80000001), 0).Ecx & (1 << 22)) != 0)
            leaf = unchecked((int)0x8000001D);
        else if (intel && X86Base.CpuId(0, 0).Eax >= 4)
            leaf = 4;
        else
            return fallback;
        for (int sub = 0; sub < 16; sub++)
        {
            var (eax, ebx, ecx, _) = X86Base.CpuId(leaf, sub);
            int type = eax & 0x1F;
            if (type == 0)
                break;
            // Types 1 (data) and 3 (unified); 2 is an instruction cache.
            if (((eax >> 5) & 0x7) != level || type == 2)
                continue;
            long ways = ((ebx >> 22) & 0x3FF) + 1, partitions = ((ebx >> 12) & 0x3FF) + 1, line = (ebx & 0xFFF) + 1;
            long sets = (long)(uint)ecx + 1;
            long bytes = ways * partitions * line * sets;
            return bytes is >= 8 * 1024 and <= 64 * 1024 * 1024 ? (int)bytes : fallback;
        }
        return fallback;
    }
}
