namespace Backprop.Optim;

/// <summary>
/// Updates a fixed list of parameters from their gradients. <see cref="Step"/> skips parameters whose gradient is
/// null; every state buffer is allocated once in the constructor, so a step allocates nothing.
/// </summary>
public abstract class Optimizer
{
    private readonly Tensor[] _parameters;
    private readonly string _stepName;
    private double _learningRate;

    /// <summary>Creates the optimizer over <paramref name="parameters"/> (contiguous floating-point leaves).</summary>
    protected Optimizer(IEnumerable<Tensor> parameters, double learningRate)
    {
        _parameters = [.. parameters];
        _stepName = GetType().Name + ".Step";
        foreach (var p in _parameters)
            if (!p.IsLeaf || !p.IsContiguous || !p.DType.IsFloatingPoint())
                throw new ArgumentException($"{GetType().Name}: parameters must be contiguous floating-point leaf tensors, got {p.DType.Name()} {Shapes.Format(p.ShapeArray)}");
        LearningRate = learningRate;
    }

    /// <summary>The parameters, in the order given.</summary>
    public IReadOnlyList<Tensor> Parameters => _parameters;

    /// <summary>The learning rate used by the next <see cref="Step"/>; set it from a schedule between steps.</summary>
    public double LearningRate
    {
        get => _learningRate;
        set
        {
            if (!(value >= 0) || double.IsInfinity(value))
                throw new ArgumentOutOfRangeException(nameof(value), value, $"{GetType().Name}: the learning rate must be finite and non-negative");
            _learningRate = value;
        }
    }

    /// <summary>How many steps have been taken (t in the update formulas after the step).</summary>
    public long StepCount { get; private set; }

    /// <summary>Updates every parameter that has a gradient.</summary>
    public void Step()
    {
        StepCount++;
        for (int i = 0; i < _parameters.Length; i++)
        {
            var p = _parameters[i];
            var g = p.Grad;
            if (g is null) continue;
            if (g.DType != p.DType || !Shapes.Equal(g.ShapeArray, p.ShapeArray))
                throw new InvalidOperationException(
                    $"{GetType().Name}: parameter {i} {Shapes.Format(p.ShapeArray)} {p.DType.Name()} has a gradient of {Shapes.Format(g.ShapeArray)} {g.DType.Name()}");
            // An in-place write: a graph recorded before the step that saved this parameter must refuse to backward.
            p.MarkWritten(_stepName);
            Update(i, p, g.ContiguousData());
        }
    }

    /// <summary>Applies one update to parameter <paramref name="index"/> (gradient contiguous, same shape and dtype).</summary>
    private protected abstract void Update(int index, Tensor parameter, Tensor gradient);

    /// <summary>Fills every parameter's gradient with zeros, keeping the buffers.</summary>
    public void ZeroGrad()
    {
        foreach (var p in _parameters) p.ZeroGrad();
    }

    /// <summary>
    /// The optimizer's state as named tensors for checkpoints: <c>step</c> (0-d float64) and per-parameter buffers
    /// named <c>state.{index}.{buffer}</c> as in PyTorch (<c>momentum_buffer</c>, <c>exp_avg</c>, <c>exp_avg_sq</c>).
    /// The tensors are the live buffers.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> GetState()
    {
        var state = new List<KeyValuePair<string, Tensor>> { new("step", Tensor.Scalar((double)StepCount)) };
        AddBuffers(state);
        return state;
    }

    /// <summary>Appends the per-parameter buffers to <paramref name="state"/>.</summary>
    private protected abstract void AddBuffers(List<KeyValuePair<string, Tensor>> state);

    /// <summary>
    /// Restores a state saved by <see cref="GetState"/> from an optimizer of the same kind over parameters of the same
    /// shapes. Checks every entry first, so a failed load leaves the optimizer unchanged.
    /// </summary>
    public void LoadState(IReadOnlyDictionary<string, Tensor> state, string source = "optimizer state")
    {
        var own = GetState();
        foreach (var (name, target) in own)
        {
            if (!state.TryGetValue(name, out var value))
                throw new ArgumentException($"{source}: missing entry {name} for {GetType().Name} (expected shape {Shapes.Format(target.ShapeArray)})");
            if (!Shapes.Equal(value.ShapeArray, target.ShapeArray))
                throw new ArgumentException($"{source}: {name} has shape {Shapes.Format(value.ShapeArray)}, {GetType().Name} expects {Shapes.Format(target.ShapeArray)}");
        }
        foreach (var name in state.Keys)
        {
            bool found = false;
            foreach (var (n, _) in own) if (n == name) { found = true; break; }
            if (!found) throw new ArgumentException($"{source}: unexpected entry {name} for {GetType().Name}");
        }
        double step = state["step"].Item();
        if (step < 0 || step != Math.Floor(step))
            throw new ArgumentException($"{source}: step must be a non-negative integer, got {step}");
        StepCount = (long)step;
        foreach (var (name, target) in own)
            if (name != "step") target.CopyFrom(state[name]);
        OnStateLoaded();
    }

    /// <summary>Called after <see cref="LoadState"/> so subclasses can refresh derived flags.</summary>
    private protected virtual void OnStateLoaded() { }

    /// <summary>Zero-filled buffers shaped like each parameter.</summary>
    private protected Tensor[] BuffersLikeParameters()
    {
        var buffers = new Tensor[_parameters.Length];
        for (int i = 0; i < buffers.Length; i++) buffers[i] = Tensor.ZerosLike(_parameters[i]);
        return buffers;
    }
}
