namespace Backprop;

/// <summary>Switches gradient recording on and off.</summary>
public static partial class Autograd
{
    // AsyncLocal rather than ThreadStatic: a no-grad scope must follow an async flow across threads, and
    // must not leak into other threads' work.
    private static readonly AsyncLocal<int> NoGradDepth = new();

    /// <summary>Whether operators currently record the graph for backward.</summary>
    public static bool IsGradEnabled => NoGradDepth.Value == 0;

    /// <summary>
    /// Within the returned scope no operator records a graph (for evaluation and parameter updates).
    /// Scopes nest; dispose them in reverse order (a <c>using</c> does).
    /// </summary>
    public static NoGradScope NoGrad()
    {
        var before = ExecutionContext.Capture();
        NoGradDepth.Value++;
        return new NoGradScope(new AsyncLocalUndo(before));
    }

    internal static void ExitNoGrad() => NoGradDepth.Value--;

    /// <summary>Turns recording fully on (whatever NoGrad scopes enclose the call) and returns the depth to restore.</summary>
    internal static int SuspendNoGrad(out AsyncLocalUndo undo)
    {
        int depth = NoGradDepth.Value;
        var before = ExecutionContext.Capture();
        if (depth != 0) NoGradDepth.Value = 0;
        undo = new AsyncLocalUndo(before);
        return depth;
    }

    internal static void RestoreNoGrad(int depth)
    {
        if (NoGradDepth.Value != depth) NoGradDepth.Value = depth;
    }

    /// <summary>
    /// Within the returned scope every operator that records the graph checks its output, and the backward pass checks
    /// every gradient, for NaN and ±∞: the first one throws an <see cref="AnomalyException"/> naming the operator, the
    /// shapes, the first offending element, the module path (such as <c>layers.2</c>) and the source line that recorded
    /// the node. Slow (a stack trace per operator), so for debugging; off, it costs nothing. Scopes nest and follow the
    /// async flow, as <see cref="NoGrad"/> does.
    /// </summary>
    public static AnomalyScope DetectAnomaly()
    {
        AnomalyDetection.Enter();
        return new AnomalyScope(entered: true);
    }

    /// <summary>Whether anomaly mode (<see cref="DetectAnomaly"/>) is on in the current async flow.</summary>
    public static bool IsAnomalyDetectionEnabled => AnomalyDetection.IsEnabled;

    // Every operator asks here whether to record, with all its inputs: the one place that also refuses an input whose
    // pooled buffer went back to the pool with its TensorScope (an operator must not compute from recycled memory).
    // A trace (Tracing.Begin, the ONNX exporter's) records every operator, so that ops on data that needs no gradient
    // (integer tokens, an input in evaluation) appear in the graph too.

    /// <summary>Whether an operator applied to this input must be recorded.</summary>
    internal static bool ShouldRecord(Tensor a)
    {
        a.CheckAlive();
        return (a.RequiresGrad && IsGradEnabled) || AnomalyDetection.IsTracing;
    }

    internal static bool ShouldRecord(Tensor a, Tensor b)
    {
        a.CheckAlive();
        b.CheckAlive();
        return ((a.RequiresGrad || b.RequiresGrad) && IsGradEnabled) || AnomalyDetection.IsTracing;
    }

    internal static bool ShouldRecord(Tensor[] inputs)
    {
        bool any = false;
        foreach (var t in inputs)
        {
            t.CheckAlive();
            any |= t.RequiresGrad;
        }
        return (any && IsGradEnabled) || AnomalyDetection.IsTracing;
    }
}

/// <summary>The scope returned by <see cref="Autograd.NoGrad"/>; disposing it restores recording.</summary>
public readonly struct NoGradScope : IDisposable
{
    private readonly AsyncLocalUndo _undo;

    internal NoGradScope(AsyncLocalUndo undo) => _undo = undo;

    /// <inheritdoc/>
    public void Dispose()
    {
        if (!_undo.TryUndo()) Autograd.ExitNoGrad();
    }
}

/// <summary>
/// Recording on (for a backward pass that creates the graph) or off (for an ordinary one) until disposed, then as before.
/// </summary>
internal readonly struct RecordingScope : IDisposable
{
    private readonly int _restoreDepth;
    private readonly bool _record;
    private readonly NoGradScope _noGrad;
    private readonly AsyncLocalUndo _undoSuspend;

    public RecordingScope(bool record)
    {
        _record = record;
        if (record) _restoreDepth = Autograd.SuspendNoGrad(out _undoSuspend);
        else _noGrad = Autograd.NoGrad();
    }

    public void Dispose()
    {
        if (!_record) _noGrad.Dispose();
        else if (!_undoSuspend.TryUndo()) Autograd.RestoreNoGrad(_restoreDepth);
    }
}

/// <summary>The scope returned by <see cref="Autograd.DetectAnomaly"/>; disposing it ends anomaly mode (the default value does nothing).</summary>
public readonly struct AnomalyScope : IDisposable
{
    private readonly bool _entered;

    internal AnomalyScope(bool entered) => _entered = entered;

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_entered) AnomalyDetection.Exit();
    }
}
