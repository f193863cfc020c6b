using System.Diagnostics;

namespace Backprop;

/// <summary>Where a node was recorded: the module path and the first source line outside the library.</summary>
internal sealed record NodeOrigin(string? ModulePath, string? SourceLocation);

/// <summary>
/// Anomaly mode (<see cref="Autograd.DetectAnomaly"/>): every recorded operator's output and every gradient of the
/// backward pass is checked for NaN and ±∞, and the first one stops the run with an <see cref="AnomalyException"/>
/// naming the operator, the shapes, the element, the module path and the user's source line that made the node.
/// </summary>
/// <remarks>
/// Free while off: the recording path reads one static counter of active anomaly scopes (anywhere) and looks at its
/// own async flow only when that is non-zero; stack traces and module paths are taken only while on.
/// </remarks>
internal static class AnomalyDetection
{
    private static readonly AsyncLocal<int> Depth = new();
    private static readonly AsyncLocal<int> TraceDepth = new();
    private static readonly AsyncLocal<ModuleFrame?> ModulePath = new();

    // Anomaly scopes and trace scopes (anywhere): while zero, recording reads this one counter and nothing else.
    private static int _activeScopes;

    private sealed record ModuleFrame(string Name, ModuleFrame? Parent);

    /// <summary>Whether anomaly mode is on in the current async flow.</summary>
    public static bool IsEnabled => Volatile.Read(ref _activeScopes) != 0 && Depth.Value > 0;

    /// <summary>
    /// Whether a trace (<see cref="Tracing"/>, the ONNX exporter's) is on in the current async flow: every operator
    /// records its node whether or not an input requires a gradient, and nodes remember their module path.
    /// </summary>
    public static bool IsTracing => Volatile.Read(ref _activeScopes) != 0 && TraceDepth.Value > 0;

    /// <summary>Whether modules must announce their forward passes (anomaly mode or a trace wants module paths).</summary>
    public static bool TracksModules => Volatile.Read(ref _activeScopes) != 0 && (Depth.Value > 0 || TraceDepth.Value > 0);

    /// <summary>Whether anything at all is watching the recording (the cheap first test of the recording path).</summary>
    public static bool IsWatching => Volatile.Read(ref _activeScopes) != 0;

    public static void Enter()
    {
        Interlocked.Increment(ref _activeScopes);
        Depth.Value++;
    }

    public static void Exit()
    {
        Depth.Value--;
        Interlocked.Decrement(ref _activeScopes);
    }

    public static void EnterTrace()
    {
        Interlocked.Increment(ref _activeScopes);
        TraceDepth.Value++;
    }

    public static void ExitTrace()
    {
        TraceDepth.Value--;
        Interlocked.Decrement(ref _activeScopes);
    }

    /// <summary>Marks the start of a child module's forward pass named <paramref name="name"/> (only call while <see cref="TracksModules"/>).</summary>
    public static void EnterModule(string name) => ModulePath.Value = new ModuleFrame(name, ModulePath.Value);

    public static void ExitModule() => ModulePath.Value = ModulePath.Value?.Parent;

    /// <summary>
    /// Where a freshly recorded node was made, or null when nothing in this flow watches: in anomaly mode also checks
    /// its output (and takes the source line); in a trace only the module path is taken.
    /// </summary>
    public static NodeOrigin? OnRecord(Tensor output, Node node)
    {
        if (Depth.Value == 0) return TraceDepth.Value > 0 ? new NodeOrigin(CurrentModulePath(), null) : null;
        var origin = new NodeOrigin(CurrentModulePath(), UserSourceLocation());
        if (FirstNonFinite(output) is { } bad)
        {
            var inputs = node.InputArray;
            for (int i = 0; i < inputs.Length; i++)
                if (inputs[i].GradFn is null && FirstNonFinite(inputs[i]) is { } inBad)
                    throw new AnomalyException(node.Name, origin, inBad.Index, inBad.Value, backward: false,
                        $"anomaly: input {i} of '{node.Name}' ({Describe(inputs[i])}) already holds {Format(inBad.Value)} at index " +
                        $"{FormatIndex(inputs[i], inBad.Index)}; it comes from outside the recorded graph (data, a parameter or a " +
                        $"NoGrad result), expected finite values{Where(origin)}");
            throw new AnomalyException(node.Name, origin, bad.Index, bad.Value, backward: false,
                $"anomaly: '{node.Name}' produced {Format(bad.Value)} in the forward pass at index {FormatIndex(output, bad.Index)} of its output " +
                $"({Describe(output)}) from {DescribeInputs(node)}; expected finite values{Where(origin)}");
        }
        return origin;
    }

    /// <summary>Checks the gradients a node's backward returned (already reduced to its inputs' shapes).</summary>
    public static void CheckGradients(Node node, Tensor upstream, ReadOnlySpan<Tensor?> gradients)
    {
        for (int k = 0; k < gradients.Length; k++)
        {
            if (gradients[k] is not { } g || FirstNonFinite(g) is not { } bad) continue;
            var origin = node.Origin;
            throw new AnomalyException(node.Name, origin, bad.Index, bad.Value, backward: true,
                $"anomaly: the backward of '{node.Name}' produced {Format(bad.Value)} at index {FormatIndex(g, bad.Index)} of the gradient " +
                $"for input {k} ({Describe(g)}), from an upstream gradient {Describe(upstream)} and {DescribeInputs(node)}; " +
                $"expected finite values{Where(origin)}");
        }
    }

    private static (int Index, double Value)? FirstNonFinite(Tensor t)
    {
        if (!t.DType.IsFloatingPoint()) return null;
        var find = new FindNonFiniteAction { Values = t.ContiguousData(), Index = -1 };
        DTypeDispatch.Run(t.DType, ref find);
        return find.Index < 0 ? null : (find.Index, find.Value);
    }

    private struct FindNonFiniteAction : IDTypeAction
    {
        public Tensor Values;
        public int Index;
        public double Value;

        public void Invoke<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            var s = Values.Span<T>();
            for (int i = 0; i < s.Length; i++)
                if (!T.IsFinite(s[i]))
                {
                    (Index, Value) = (i, double.CreateTruncating(s[i]));
                    return;
                }
        }
    }

    private static string? CurrentModulePath()
    {
        var frame = ModulePath.Value;
        if (frame is null) return null;
        var parts = new List<string>();
        for (; frame is not null; frame = frame.Parent) parts.Add(frame.Name);
        parts.Reverse();
        return string.Join('.', parts);
    }

    /// <summary>The first frame of the call stack outside the library: the user's line that made the node.</summary>
    private static string? UserSourceLocation()
    {
        foreach (var frame in new StackTrace(2, fNeedFileInfo: true).GetFrames())
        {
            if (DiagnosticMethodInfo.Create(frame) is not { } method || IsLibrary(method.DeclaringAssemblyName)) continue;
            string type = method.DeclaringTypeName;
            string where = $"{type[(type.LastIndexOf('.') + 1)..]}.{method.Name}";
            return frame.GetFileName() is { } file
                ? $"{Path.GetFileName(file)}:line {frame.GetFileLineNumber()} ({where})"
                : where;
        }
        return null;
    }

    // The library and its sibling assemblies (Backprop.Teaching, Backprop.Datasets); test and user assemblies are not.
    private static bool IsLibrary(string assemblyName)
    {
        string name = new System.Reflection.AssemblyName(assemblyName).Name ?? "";
        return name is "Backprop" or "Backprop.Teaching" or "Backprop.Datasets";
    }

    private static string Where(NodeOrigin? origin)
    {
        if (origin is null) return " (node recorded before anomaly mode was on: no module or source line)";
        string module = origin.ModulePath is { } path ? $"; module {path}" : "";
        string source = origin.SourceLocation is { } line ? $"; created at {line}" : "";
        return module + source;
    }

    private static string Describe(Tensor t) => $"{Shapes.Format(t.ShapeArray)} {t.DType.Name()}";

    private static string DescribeInputs(Node node)
    {
        var inputs = node.InputArray;
        if (inputs.Length == 1) return $"input {Describe(inputs[0])}";
        var parts = new string[inputs.Length];
        for (int i = 0; i < inputs.Length; i++) parts[i] = Describe(inputs[i]);
        return $"inputs {string.Join(", ", parts)}";
    }

    private static string Format(double value) =>
        double.IsNaN(value) ? "NaN" : value > 0 ? "+∞" : "−∞";

    private static string FormatIndex(Tensor t, int flat)
    {
        var index = new int[t.Rank];
        for (int d = t.Rank - 1; d >= 0; d--)
        {
            index[d] = flat % t.ShapeArray[d];
            flat /= t.ShapeArray[d];
        }
        return Shapes.Format(index);
    }
}

/// <summary>
/// The first NaN or ±∞ found in anomaly mode (<see cref="Autograd.DetectAnomaly"/>), in the forward or the backward pass.
/// The message names the operator, the shapes, the element, the module path and the source line that made the node.
/// </summary>
public sealed class AnomalyException : InvalidOperationException
{
    internal AnomalyException(string op, NodeOrigin? origin, int index, double value, bool backward, string message) : base(message)
    {
        Operator = op;
        ModulePath = origin?.ModulePath;
        SourceLocation = origin?.SourceLocation;
        FlatIndex = index;
        Value = value;
        InBackward = backward;
    }

    /// <summary>The operator whose forward or backward produced the value, such as "log".</summary>
    public string Operator { get; }

    /// <summary>The dotted path of the module that recorded the operator (such as <c>layers.2</c>), or null outside modules.</summary>
    public string? ModulePath { get; }

    /// <summary>The user's source file and line that recorded the operator, when the call stack has one.</summary>
    public string? SourceLocation { get; }

    /// <summary>The row-major position of the first offending element.</summary>
    public int FlatIndex { get; }

    /// <summary>The offending value: NaN, +∞ or −∞.</summary>
    public double Value { get; }

    /// <summary>Whether it was found in the backward pass (a gradient) rather than the forward pass.</summary>
    public bool InBackward { get; }
}
