using Backprop.Kernels;

namespace Backprop.Tests.Requirements;

/// <summary>
/// Why a test of a kernel path needs an instruction set this machine lacks, or null when it has it. On a machine
/// without it the kernels take another path, so such a test would fail, or pass without testing what it says.
/// </summary>
internal static class InstructionSet
{
    /// <summary>The skip reason for a test that needs <paramref name="required"/>, or null when GEMM can use it.</summary>
    public static string? MissingReason(GemmIsa required) =>
        // Read during test discovery, outside any test's override: this is the best set the hardware accelerates.
        Gemm.Isa >= required ? null
        : $"needs {Describe(required)}, which this machine (or runtime configuration) does not accelerate; GEMM uses {Describe(Gemm.Isa)}";

    private static string Describe(GemmIsa isa) => isa switch
    {
        GemmIsa.Vector512 => "AVX-512 (Vector512)",
        GemmIsa.Vector256 => "AVX2 with FMA (Vector256)",
        _ => "scalar code",
    };
}

/// <summary>A fact skipped, with the reason, where GEMM cannot use <see cref="GemmIsa"/> <c>required</c>.</summary>
internal sealed class InstructionSetFactAttribute : FactAttribute
{
    /// <summary>Skips the fact unless the hardware accelerates <paramref name="required"/>.</summary>
    public InstructionSetFactAttribute(GemmIsa required) => Skip ??= InstructionSet.MissingReason(required);
}

/// <summary>A theory skipped, with the reason, where GEMM cannot use <see cref="GemmIsa"/> <c>required</c>.</summary>
internal sealed class InstructionSetTheoryAttribute : TheoryAttribute
{
    /// <summary>Skips the theory unless the hardware accelerates <paramref name="required"/>.</summary>
    public InstructionSetTheoryAttribute(GemmIsa required) => Skip ??= InstructionSet.MissingReason(required);
}
