using Backprop.Tests.Onnx;

namespace Backprop.Tests.Requirements;

/// <summary>
/// A theory over ONNX's conformance cases in <see cref="OnnxConformance.DataDirectory"/>. Without them the test is
/// reported as skipped, with the reason, rather than passing without having checked anything. <c>.ci/run</c> installs
/// Debian's <c>libonnx-testdata</c> where it can.
/// </summary>
public sealed class OnnxConformanceTheoryAttribute : TheoryAttribute
{
    /// <summary>Skips the theory when the cases are not installed.</summary>
    public OnnxConformanceTheoryAttribute()
    {
        if (Skip is null && !OnnxConformance.IsInstalled)
            Skip = $"ONNX's conformance cases are not installed in {OnnxConformance.DataDirectory} (apt-get install libonnx-testdata)";
    }
}

/// <summary>A fact on ONNX's conformance cases, skipped with the reason when they are not installed.</summary>
public sealed class OnnxConformanceFactAttribute : FactAttribute
{
    /// <summary>Skips the fact when the cases are not installed.</summary>
    public OnnxConformanceFactAttribute()
    {
        if (Skip is null && !OnnxConformance.IsInstalled)
            Skip = $"ONNX's conformance cases are not installed in {OnnxConformance.DataDirectory} (apt-get install libonnx-testdata)";
    }
}
