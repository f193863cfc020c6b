namespace Backprop.NN;

/// <summary>
/// What every layer and model has, whatever its forward takes: named parameters (trained), buffers (state such as
/// running statistics, not trained) and child modules. Everything is registered explicitly, in order, so names follow
/// PyTorch's <c>state_dict</c> (<c>0.weight</c>, <c>0.bias</c>, <c>3.running_mean</c>) with no reflection. The forward
/// pass is declared by the typed subclasses: <see cref="Module{TInput, TOutput}"/> (one input, such as every layer
/// taking a tensor), <see cref="Module{TInput1, TInput2, TOutput}"/> and <see cref="Module{TInput1, TInput2, TInput3, TOutput}"/>.
/// </summary>
public abstract class Module
{
    private readonly List<KeyValuePair<string, Tensor>> _parameters = [];
    private readonly List<KeyValuePair<string, Tensor>> _buffers = [];
    private readonly List<KeyValuePair<string, Module>> _children = [];

    /// <summary>Whether the module is in training mode (the default) rather than evaluation mode.</summary>
    public bool IsTraining { get; private set; } = true;

    /// <summary>The name shown by <see cref="ToString"/> and <see cref="Summary"/>, such as "Linear(784 → 256)".</summary>
    public virtual string Describe() => GetType().Name;

    /// <summary>Registers a trainable tensor under <paramref name="name"/>; it is made to require gradients.</summary>
    protected Tensor RegisterParameter(string name, Tensor parameter)
    {
        CheckName(name);
        parameter.RequiresGrad = true;
        _parameters.Add(new(name, parameter));
        return parameter;
    }

    /// <summary>Registers a state tensor that is saved and loaded but not trained (running statistics).</summary>
    protected Tensor RegisterBuffer(string name, Tensor buffer)
    {
        CheckName(name);
        _buffers.Add(new(name, buffer));
        return buffer;
    }

    /// <summary>Registers a child module; its entries are named <c>name.entry</c>.</summary>
    protected TModule RegisterModule<TModule>(string name, TModule module) where TModule : Module
    {
        CheckName(name);
        _children.Add(new(name, module));
        return module;
    }

    private void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.'))
            throw new ArgumentException($"{GetType().Name}: '{name}' is not a valid entry name (non-empty, no '.')");
        foreach (var p in _parameters) if (p.Key == name) Duplicate();
        foreach (var b in _buffers) if (b.Key == name) Duplicate();
        foreach (var c in _children) if (c.Key == name) Duplicate();

        void Duplicate() => throw new ArgumentException($"{GetType().Name}: an entry named '{name}' is already registered");
    }

    /// <summary>
    /// Runs <paramref name="forward"/> (a registered child's forward pass) under the child's entry name, so that anomaly
    /// mode (<see cref="Autograd.DetectAnomaly"/>) reports the module path (<c>encoder.layers.2</c>) of an operator that
    /// produced NaN or ±∞. The child may also sit deeper, inside a registered container such as a
    /// <see cref="ModuleList{TModule}"/> (<c>ForwardChild(Layers[2], x)</c> is reported as <c>layers.2</c>). The typed
    /// <c>ForwardChild</c> overloads of the subclasses call this; outside anomaly mode it is a plain call of
    /// <paramref name="forward"/>.
    /// </summary>
    protected T RunChild<T>(Module child, Func<T> forward)
    {
        ArgumentNullException.ThrowIfNull(child);
        ArgumentNullException.ThrowIfNull(forward);
        if (!AnomalyDetection.TracksModules) return forward();
        AnomalyDetection.EnterModule(PathTo(child) ?? throw new ArgumentException($"{GetType().Name}: ForwardChild of a module that is not a registered child ({child.Describe()})"));
        try
        {
            return forward();
        }
        finally
        {
            AnomalyDetection.ExitModule();
        }
    }

    // The dotted path from this module to a descendant (direct children first), or null; only anomaly mode and traces ask.
    private string? PathTo(Module target)
    {
        foreach (var (key, registered) in _children)
            if (ReferenceEquals(registered, target)) return key;
        foreach (var (key, registered) in _children)
            if (registered.PathTo(target) is { } rest) return key + "." + rest;
        return null;
    }

    /// <summary>Runs a registered one-input child under its entry name (see <see cref="RunChild{T}"/>).</summary>
    protected TOut ForwardChild<TIn, TOut>(Module<TIn, TOut> child, TIn input)
    {
        ArgumentNullException.ThrowIfNull(child);
        return AnomalyDetection.TracksModules ? RunChild(child, () => child.Forward(input)) : child.Forward(input);
    }

    /// <summary>Runs a registered two-input child under its entry name (see <see cref="RunChild{T}"/>).</summary>
    protected TOut ForwardChild<TIn1, TIn2, TOut>(Module<TIn1, TIn2, TOut> child, TIn1 input1, TIn2 input2)
    {
        ArgumentNullException.ThrowIfNull(child);
        return AnomalyDetection.TracksModules ? RunChild(child, () => child.Forward(input1, input2)) : child.Forward(input1, input2);
    }

    /// <summary>Runs a registered three-input child under its entry name (see <see cref="RunChild{T}"/>).</summary>
    protected TOut ForwardChild<TIn1, TIn2, TIn3, TOut>(Module<TIn1, TIn2, TIn3, TOut> child, TIn1 input1, TIn2 input2, TIn3 input3)
    {
        ArgumentNullException.ThrowIfNull(child);
        return AnomalyDetection.TracksModules
            ? RunChild(child, () => child.Forward(input1, input2, input3))
            : child.Forward(input1, input2, input3);
    }

    /// <summary>The direct children, in registration order.</summary>
    public IReadOnlyList<KeyValuePair<string, Module>> Children => _children;

    /// <summary>All parameters, depth first in registration order (the order optimizers and checkpoints use).</summary>
    public IReadOnlyList<Tensor> Parameters()
    {
        var result = new List<Tensor>();
        Collect(this, result);
        return result;

        static void Collect(Module m, List<Tensor> into)
        {
            foreach (var p in m._parameters) into.Add(p.Value);
            foreach (var c in m._children) Collect(c.Value, into);
        }
    }

    /// <summary>All parameters with their dotted names, such as <c>0.weight</c>.</summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> NamedParameters() => Named(includeParameters: true, includeBuffers: false);

    /// <summary>All buffers with their dotted names, such as <c>1.running_mean</c>.</summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> NamedBuffers() => Named(includeParameters: false, includeBuffers: true);

    /// <summary>
    /// Parameters and buffers by name, in PyTorch's order (each module's parameters, then its buffers, then its
    /// children). The tensors are the live ones, not copies.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> StateDict() => Named(includeParameters: true, includeBuffers: true);

    private List<KeyValuePair<string, Tensor>> Named(bool includeParameters, bool includeBuffers)
    {
        var result = new List<KeyValuePair<string, Tensor>>();
        Collect(this, "", result);
        return result;

        void Collect(Module m, string prefix, List<KeyValuePair<string, Tensor>> into)
        {
            if (includeParameters)
                foreach (var p in m._parameters) into.Add(new(prefix + p.Key, p.Value));
            if (includeBuffers)
                foreach (var b in m._buffers) into.Add(new(prefix + b.Key, b.Value));
            foreach (var c in m._children) Collect(c.Value, prefix + c.Key + ".", into);
        }
    }

    /// <summary>
    /// Copies every entry of <paramref name="state"/> (such as another model's <see cref="StateDict"/>) into the matching
    /// parameter or buffer, in place, so optimizers holding the parameters stay valid. Strict (the default): every entry
    /// the model has must be present and no other; otherwise throws <see cref="ArgumentException"/> naming the entry.
    /// Not strict: loads the entries that match and returns the names that were missing and unexpected. Either way an
    /// entry of the wrong shape or kind (integer for a float weight) is an error, and nothing is copied unless
    /// everything checked, so a failed load leaves the model as it was.
    /// </summary>
    /// <param name="state">Entries by name; a name given twice is an error.</param>
    /// <param name="strict">Whether missing and unexpected entries are errors (PyTorch's <c>strict</c>).</param>
    /// <param name="source">What the entries come from, for messages ("checkpoint 'model.safetensors'").</param>
    /// <returns>The entries that were missing and unexpected (both empty after a strict load).</returns>
    public StateDictLoadResult LoadStateDict(IEnumerable<KeyValuePair<string, Tensor>> state, bool strict = true, string source = "state dict")
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(source);
        var given = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var unexpectedOrder = new List<string>();
        foreach (var (name, value) in state)
        {
            if (name is null || value is null) throw new ArgumentException($"{source}: an entry with a null name or tensor");
            if (!given.TryAdd(name, value)) throw new ArgumentException($"{source}: the entry {name} is given twice");
            unexpectedOrder.Add(name);
        }

        var own = StateDict();
        var known = new HashSet<string>(StringComparer.Ordinal);
        var missing = new List<string>();
        var matched = new List<(Tensor Target, Tensor Value)>();
        foreach (var (name, target) in own)
        {
            known.Add(name);
            if (!given.TryGetValue(name, out var value))
            {
                if (strict) throw new ArgumentException($"{source}: missing entry {name} (the model expects shape {Shapes.Format(target.ShapeArray)})");
                missing.Add(name);
                continue;
            }
            if (!Shapes.Equal(value.ShapeArray, target.ShapeArray))
                throw new ArgumentException(
                    $"{source}: {name} has shape {Shapes.Format(value.ShapeArray)}, the model expects {Shapes.Format(target.ShapeArray)}");
            // float32 and float64 convert into each other; integers are not weights (nor floats counters).
            if (value.DType.IsFloatingPoint() != target.DType.IsFloatingPoint())
                throw new ArgumentException(
                    $"{source}: {name} has dtype {value.DType.Name()}, the model expects {target.DType.Name()}");
            matched.Add((target, value));
        }
        var unexpected = unexpectedOrder.Where(name => !known.Contains(name)).ToList();
        if (strict && unexpected.Count > 0)
            throw new ArgumentException($"{source}: unexpected entry {unexpected[0]}; the model has {string.Join(", ", known)}");
        // Validate everything before copying anything, so a failed load leaves the model as it was.
        using (Autograd.NoGrad())
            foreach (var (target, value) in matched) target.CopyFrom(value);
        return new StateDictLoadResult(missing, unexpected);
    }

    /// <summary>A strict <see cref="LoadStateDict(IEnumerable{KeyValuePair{string, Tensor}}, bool, string)"/> naming <paramref name="source"/> in its messages.</summary>
    public StateDictLoadResult LoadStateDict(IEnumerable<KeyValuePair<string, Tensor>> state, string source) =>
        LoadStateDict(state, strict: true, source);

    /// <summary>Switches this module and all its children to training mode.</summary>
    public Module Train(bool training = true)
    {
        IsTraining = training;
        foreach (var c in _children) c.Value.Train(training);
        return this;
    }

    /// <summary>Switches to evaluation mode: dropout off, batch norm uses its running statistics.</summary>
    public Module Eval() => Train(false);

    /// <summary>The number of trainable scalars.</summary>
    public long ParameterCount
    {
        get
        {
            long n = 0;
            foreach (var p in Parameters()) n += p.Numel;
            return n;
        }
    }

    /// <summary>Fills every parameter's gradient with zeros, keeping the buffers.</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters()) p.ZeroGrad();
    }

    /// <summary>
    /// A printable table of the layers (the direct children, or the module itself when it has none) with each one's
    /// output shape for a sample of <paramref name="sampleShape"/> (batch axis shown as −1) and parameter count.
    /// </summary>
    public string Summary(int[] sampleShape) => this is Module<Tensor, Tensor> model
        ? ModelSummary.Render(model, sampleShape)
        : throw new InvalidOperationException(
            $"{Describe()}: Summary runs a sample tensor through the module, and this module's forward does not take a single tensor");

    /// <summary>A PyTorch-style nested description of the module.</summary>
    public override string ToString()
    {
        if (_children.Count == 0) return Describe();
        var sb = new System.Text.StringBuilder();
        sb.Append(Describe()).Append('(');
        foreach (var (name, child) in _children)
        {
            var lines = child.ToString().Split('\n');
            sb.Append("\n  (").Append(name).Append("): ").Append(lines[0]);
            for (int i = 1; i < lines.Length; i++) sb.Append("\n  ").Append(lines[i]);
        }
        return sb.Append("\n)").ToString();
    }
}

/// <summary>A module whose forward pass takes one input, such as every layer that maps a tensor to a tensor.</summary>
/// <typeparam name="TInput">What the forward pass takes (a <see cref="Tensor"/>, or a tuple or record of several).</typeparam>
/// <typeparam name="TOutput">What it returns.</typeparam>
public abstract class Module<TInput, TOutput> : Module
{
    /// <summary>Applies the module.</summary>
    public abstract TOutput Forward(TInput input);
}

/// <summary>A module whose forward pass takes two inputs, such as a layer taking a sequence and its mask.</summary>
public abstract class Module<TInput1, TInput2, TOutput> : Module
{
    /// <summary>Applies the module.</summary>
    public abstract TOutput Forward(TInput1 input1, TInput2 input2);
}

/// <summary>A module whose forward pass takes three inputs, such as attention over query, key and value.</summary>
public abstract class Module<TInput1, TInput2, TInput3, TOutput> : Module
{
    /// <summary>Applies the module.</summary>
    public abstract TOutput Forward(TInput1 input1, TInput2 input2, TInput3 input3);
}
