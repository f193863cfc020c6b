namespace Backprop.Optim;

/// <summary>
/// Updates a fixed list of parameters from their gradients, in one or more <see cref="ParameterGroup"/>s that each have
/// their own learning rate and weight decay. <see cref="Step"/> skips parameters whose gradient is null; every state
/// buffer is allocated once in the constructor, so a step allocates nothing.
/// </summary>
/// <remarks>
/// Learning rates follow PyTorch's schedulers, which scale every group's initial rate by the same factor: a group's
/// rate is <see cref="LearningRate"/> × its scale, where the scale is the group's own initial rate over the optimizer's
/// (1 for a group that sets none). Setting <see cref="LearningRate"/>, as a schedule does, so moves every group in
/// proportion, and an optimizer over a flat parameter list (one group) behaves as before groups existed.
/// </remarks>
public abstract class Optimizer
{
    private readonly Tensor[] _parameters;
    private readonly ParameterGroup[] _groups;
    private readonly int[] _groupOf;          // the group of each parameter
    private readonly int[][] _groupIndices;   // the parameters (flat indices) of each group
    private readonly double[] _learningRateScale, _weightDecay;
    private readonly string _stepName;
    private double _learningRate;

    /// <summary>Creates the optimizer over <paramref name="parameters"/> (contiguous floating-point leaves), as one group.</summary>
    private protected Optimizer(IEnumerable<Tensor> parameters, double learningRate, double weightDecay)
        : this([new ParameterGroup(parameters ?? throw new ArgumentNullException(nameof(parameters)))], learningRate, weightDecay) { }

    /// <summary>
    /// Creates the optimizer over parameter groups; a group's unset settings take <paramref name="learningRate"/> and
    /// <paramref name="weightDecay"/>. Parameters are numbered across the groups in order (the state's <c>state.{i}</c>).
    /// </summary>
    private protected Optimizer(IEnumerable<ParameterGroup> groups, double learningRate, double weightDecay)
    {
        ArgumentNullException.ThrowIfNull(groups);
        _stepName = GetType().Name + ".Step";
        _groups = [.. groups];
        CheckRate(learningRate, "the learning rate");
        CheckDecay(weightDecay, "the weight decay");
        var parameters = new List<Tensor>();
        var groupOf = new List<int>();
        var seen = new Dictionary<Tensor, int>(ReferenceEqualityComparer.Instance);
        _groupIndices = new int[_groups.Length][];
        _learningRateScale = new double[_groups.Length];
        _weightDecay = new double[_groups.Length];
        for (int g = 0; g < _groups.Length; g++)
        {
            var group = _groups[g] ?? throw new ArgumentException($"{GetType().Name}: parameter group {g} is null");
            var indices = new int[group.Parameters.Count];
            for (int k = 0; k < indices.Length; k++)
            {
                var p = group.Parameters[k] ?? throw new ArgumentException($"{GetType().Name}: parameter {k} of group {g} is null");
                if (!p.IsLeaf || !p.IsContiguous || !p.DType.IsFloatingPoint())
                    throw new ArgumentException($"{GetType().Name}: parameters must be contiguous floating-point leaf tensors, got {p.DType.Name()} {Shapes.Format(p.ShapeArray)} (group {g}, parameter {k})");
                if (!seen.TryAdd(p, g))
                    throw new ArgumentException($"{GetType().Name}: parameter {Shapes.Format(p.ShapeArray)} {p.DType.Name()} is in group {seen[p]} and again in group {g}; each parameter belongs to one group");
                indices[k] = parameters.Count;
                parameters.Add(p);
                groupOf.Add(g);
            }
            _groupIndices[g] = indices;
            if (group.LearningRate is { } rate)
            {
                CheckRate(rate, $"the learning rate of group {g}");
                if (learningRate == 0 && rate != 0)
                    throw new ArgumentException(
                        $"{GetType().Name}: group {g} has learning rate {rate}, but the optimizer's is 0; groups' rates are scaled with the optimizer's, so it must be positive");
                _learningRateScale[g] = learningRate == 0 ? 1 : rate / learningRate;
            }
            else _learningRateScale[g] = 1;
            if (group.WeightDecay is { } decay) CheckDecay(decay, $"the weight decay of group {g}");
            _weightDecay[g] = group.WeightDecay ?? weightDecay;
        }
        _parameters = [.. parameters];
        _groupOf = [.. groupOf];
        InitialLearningRate = learningRate;
        _learningRate = learningRate;
        var pieces = new List<(int, int, int)>();
        for (int i = 0; i < _parameters.Length; i++)
            for (int start = 0, n = _parameters[i].Numel; start < n; start += PieceLength)
                pieces.Add((i, start, Math.Min(PieceLength, n - start)));
        Pieces = [.. pieces];
        _zeroing = new Tensor?[_parameters.Length];
    }

    /// <summary>
    /// Elements of one piece of a pass over all parameters (the step, the zeroing), the unit the threads take: large
    /// enough to amortise a hand-out, small enough to split one layer.
    /// </summary>
    private protected const int PieceLength = 16384;

    /// <summary>Every parameter cut into pieces of at most <see cref="PieceLength"/> elements: (parameter, first element, length).</summary>
    private protected (int Parameter, int Start, int Length)[] Pieces { get; }

    // The gradients ZeroGrad clears piece by piece (null: none, or cleared on its own); kept only during the call.
    private readonly Tensor?[] _zeroing;

    private void CheckRate(double value, string what)
    {
        if (!(value >= 0) || double.IsInfinity(value))
            throw new ArgumentOutOfRangeException(nameof(value), value, $"{GetType().Name}: {what} must be finite and non-negative");
    }

    private void CheckDecay(double value, string what)
    {
        if (!(value >= 0) || double.IsInfinity(value))
            throw new ArgumentOutOfRangeException(nameof(value), value, $"{GetType().Name}: {what} must be finite and non-negative");
    }

    /// <summary>All parameters: the groups' in order.</summary>
    public IReadOnlyList<Tensor> Parameters => _parameters;

    /// <summary>The groups as given to the constructor (one holding every parameter for the flat-list constructors).</summary>
    public IReadOnlyList<ParameterGroup> ParameterGroups => _groups;

    /// <summary>The learning rate given to the constructor (what the groups' scales are relative to).</summary>
    public double InitialLearningRate { get; }

    /// <summary>
    /// The learning rate used by the next <see cref="Step"/> for a group that sets none of its own; set it from a
    /// schedule between steps. Every group's rate moves with it in proportion (see <see cref="GroupLearningRate"/>).
    /// </summary>
    public double LearningRate
    {
        get => _learningRate;
        set
        {
            CheckRate(value, "the learning rate");
            _learningRate = value;
        }
    }

    /// <summary>The learning rate the next step uses for group <paramref name="group"/>: <see cref="LearningRate"/> × the group's scale.</summary>
    public double GroupLearningRate(int group) => _learningRate * _learningRateScale[CheckGroup(group)];

    /// <summary>The weight-decay coefficient of group <paramref name="group"/>.</summary>
    public double GroupWeightDecay(int group) => _weightDecay[CheckGroup(group)];

    private int CheckGroup(int group)
    {
        if ((uint)group >= (uint)_groups.Length)
            throw new ArgumentOutOfRangeException(nameof(group), group, $"{GetType().Name}: there are {_groups.Length} parameter groups");
        return group;
    }

    /// <summary>The learning rate for parameter <paramref name="index"/> in this step.</summary>
    private protected double LearningRateOf(int index) => _learningRate * _learningRateScale[_groupOf[index]];

    /// <summary>The weight decay for parameter <paramref name="index"/>.</summary>
    private protected double WeightDecayOf(int index) => _weightDecay[_groupOf[index]];

    /// <summary>How many steps have been taken (t in the update formulas after the step).</summary>
    public long StepCount { get; private set; }

    /// <summary>Updates every parameter that has a gradient.</summary>
    public void Step()
    {
        StepCount++;
        BeginStep();
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
        EndStep();
    }

    /// <summary>Called at the start of <see cref="Step"/>, before any <see cref="Update"/>.</summary>
    private protected virtual void BeginStep() { }

    /// <summary>
    /// Called once after <see cref="Update"/> has seen every parameter with a gradient: an optimizer that only
    /// collects the parameters in <see cref="Update"/> updates them all here, in one pass.
    /// </summary>
    private protected virtual void EndStep() { }

    /// <summary>
    /// Applies one update to parameter <paramref name="index"/> (gradient contiguous, same shape and dtype), with the
    /// rate <see cref="LearningRateOf"/> and decay <see cref="WeightDecayOf"/> of its group.
    /// </summary>
    private protected abstract void Update(int index, Tensor parameter, Tensor gradient);

    /// <summary>Fills every parameter's gradient with zeros, keeping the buffers.</summary>
    public void ZeroGrad()
    {
        bool any = false;
        for (int i = 0; i < _parameters.Length; i++)
        {
            var p = _parameters[i];
            if (p.Grad is not { } g) continue;
            if (g.IsContiguous && g.Numel == p.Numel && g.DType.IsFloatingPoint())
            {
                // An in-place write: a graph that saved this gradient tensor must notice.
                g.MarkWritten("ZeroGrad");
                _zeroing[i] = g;
                any = true;
            }
            else p.ZeroGrad();
        }
        if (!any) return;
        try
        {
            // All gradients in one loop over pieces, so both cores clear (each gradient on its own was one thread's).
            Kernels.Parallelism.For(Pieces.Length, PieceLength, new ZeroBody { Gradients = _zeroing, Pieces = Pieces });
        }
        finally
        {
            Array.Clear(_zeroing);
        }
    }

    private struct ZeroBody : Kernels.IParallelBody
    {
        public Tensor?[] Gradients;
        public (int Parameter, int Start, int Length)[] Pieces;

        public readonly void Invoke(int piece)
        {
            var (index, start, length) = Pieces[piece];
            if (Gradients[index] is not { } g) return;
            switch (g.Data)
            {
                case float[] f: f.AsSpan(g.Offset + start, length).Clear(); break;
                case double[] d: d.AsSpan(g.Offset + start, length).Clear(); break;
                default: throw new InvalidOperationException($"internal: a {g.DType.Name()} gradient");
            }
        }
    }

    /// <summary>
    /// The optimizer's state as named tensors for checkpoints: <c>step</c> and <c>lr</c> (0-d float64); for each group g
    /// <c>param_groups.{g}.params</c> (the parameters' indices, int32), <c>param_groups.{g}.lr_scale</c> and
    /// <c>param_groups.{g}.weight_decay</c> (0-d float64); and per-parameter buffers named <c>state.{index}.{buffer}</c>
    /// as in PyTorch (<c>momentum_buffer</c>, <c>exp_avg</c>, <c>exp_avg_sq</c>). The buffers are the live tensors.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> GetState()
    {
        var state = new List<KeyValuePair<string, Tensor>>
        {
            new("step", Tensor.Scalar((double)StepCount)),
            new("lr", Tensor.Scalar(_learningRate)),
        };
        for (int g = 0; g < _groups.Length; g++)
        {
            state.Add(new($"param_groups.{g}.params", Tensor.FromArray(_groupIndices[g], [_groupIndices[g].Length])));
            state.Add(new($"param_groups.{g}.lr_scale", Tensor.Scalar(_learningRateScale[g])));
            state.Add(new($"param_groups.{g}.weight_decay", Tensor.Scalar(_weightDecay[g])));
        }
        AddBuffers(state);
        return state;
    }

    /// <summary>Appends the per-parameter buffers to <paramref name="state"/>.</summary>
    private protected abstract void AddBuffers(List<KeyValuePair<string, Tensor>> state);

    /// <summary>
    /// Restores a state saved by <see cref="GetState"/> from an optimizer of the same kind over parameters of the same
    /// shapes in the same groups: the step count, the learning rate, each group's scale and weight decay (as PyTorch's
    /// <c>load_state_dict</c> restores its groups' settings) and the buffers. Checks every entry first, so a failed load
    /// leaves the optimizer unchanged. A state written before groups existed (no <c>lr</c> and <c>param_groups</c>
    /// entries) keeps this optimizer's settings.
    /// </summary>
    public void LoadState(IReadOnlyDictionary<string, Tensor> state, string source = "optimizer state")
    {
        ArgumentNullException.ThrowIfNull(state);
        var own = GetState();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, target) in own)
        {
            names.Add(name);
            if (!state.TryGetValue(name, out var value))
            {
                if (IsSetting(name)) continue;
                throw new ArgumentException($"{source}: missing entry {name} for {GetType().Name} (expected shape {Shapes.Format(target.ShapeArray)})");
            }
            if (!Shapes.Equal(value.ShapeArray, target.ShapeArray))
                throw new ArgumentException($"{source}: {name} has shape {Shapes.Format(value.ShapeArray)}, {GetType().Name} expects {Shapes.Format(target.ShapeArray)}");
        }
        foreach (var name in state.Keys)
            if (!names.Contains(name))
                throw new ArgumentException($"{source}: unexpected entry {name} for {GetType().Name} (it has {_groups.Length} parameter group{(_groups.Length == 1 ? "" : "s")} and {_parameters.Length} parameters)");

        double step = state["step"].Item();
        if (step < 0 || step != Math.Floor(step))
            throw new ArgumentException($"{source}: step must be a non-negative integer, got {step}");
        double? rate = state.TryGetValue("lr", out var lr) ? Setting(lr, "lr", source) : null;
        var scales = new double[_groups.Length];
        var decays = new double[_groups.Length];
        for (int g = 0; g < _groups.Length; g++)
        {
            if (state.TryGetValue($"param_groups.{g}.params", out var indices))
            {
                var saved = indices.To(DType.Int32).ToArray<int>();
                if (!saved.AsSpan().SequenceEqual(_groupIndices[g]))
                    throw new ArgumentException(
                        $"{source}: param_groups.{g}.params holds parameters [{string.Join(", ", saved)}], but {GetType().Name}'s group {g} holds [{string.Join(", ", _groupIndices[g])}]");
            }
            scales[g] = state.TryGetValue($"param_groups.{g}.lr_scale", out var s) ? Setting(s, $"param_groups.{g}.lr_scale", source) : _learningRateScale[g];
            decays[g] = state.TryGetValue($"param_groups.{g}.weight_decay", out var d) ? Setting(d, $"param_groups.{g}.weight_decay", source) : _weightDecay[g];
        }

        StepCount = (long)step;
        if (rate is { } r) _learningRate = r;
        scales.CopyTo(_learningRateScale, 0);
        decays.CopyTo(_weightDecay, 0);
        foreach (var (name, target) in own)
            if (name.StartsWith("state.", StringComparison.Ordinal)) target.CopyFrom(state[name]);
        OnStateLoaded();
    }

    // The settings entries; a state saved before groups existed has none of them.
    private static bool IsSetting(string name) => name == "lr" || name.StartsWith("param_groups.", StringComparison.Ordinal);

    private static double Setting(Tensor value, string name, string source)
    {
        double v = value.Item();
        if (!(v >= 0) || double.IsInfinity(v))
            throw new ArgumentException($"{source}: {name} is {v}; expected a finite non-negative number");
        return v;
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
