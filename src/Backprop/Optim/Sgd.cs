using System.Numerics;

namespace Backprop.Optim;

/// <summary>
/// Stochastic gradient descent with optional momentum, Nesterov momentum and weight decay — PyTorch's <c>torch.optim.SGD</c>:
/// <code>
/// d = g + weight_decay·p                       (the classic L2 term dW += λ·W)
/// if momentum ≠ 0:
///     b = d                                    on the first step
///     b = momentum·b + (1 − dampening)·d       afterwards
///     d = nesterov ? d + momentum·b : b
/// p = p − lr·d
/// </code>
/// One fused, vectorised pass over all parameters together, cut into fixed pieces shared out over threads (each element's
/// update is independent, so the result does not depend on the thread count); the momentum buffers are allocated once
/// and a step allocates nothing.
/// </summary>
public sealed class Sgd : Optimizer
{
    private readonly Tensor[] _momentumBuffers;
    private readonly bool[] _started;

    // This step's work, collected by Update and done by EndStep: each parameter's gradient (null: no update), whether it
    // is the momentum buffer's first step, and its rates; the work is cut into the optimizer's Pieces.
    private readonly Tensor?[] _gradients;
    private readonly bool[] _first;
    private readonly double[] _learningRates, _weightDecays;

    /// <summary>Creates the optimizer.</summary>
    public Sgd(IEnumerable<Tensor> parameters, double learningRate, double momentum = 0, double dampening = 0,
        bool nesterov = false, double weightDecay = 0)
        : this([new ParameterGroup(parameters ?? throw new ArgumentNullException(nameof(parameters)))], learningRate, momentum, dampening, nesterov, weightDecay) { }

    /// <summary>Creates the optimizer over parameter groups; a group's unset learning rate and weight decay take these.</summary>
    public Sgd(IEnumerable<ParameterGroup> groups, double learningRate, double momentum = 0, double dampening = 0,
        bool nesterov = false, double weightDecay = 0) : base(groups, learningRate, weightDecay)
    {
        if (!(momentum >= 0)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Sgd: momentum must be non-negative");
        if (nesterov && (momentum == 0 || dampening != 0))
            throw new ArgumentException("Sgd: Nesterov momentum requires a positive momentum and zero dampening");
        (Momentum, Dampening, Nesterov, WeightDecay) = (momentum, dampening, nesterov, weightDecay);
        _momentumBuffers = momentum != 0 ? BuffersLikeParameters() : [];
        _started = new bool[Parameters.Count];
        _gradients = new Tensor?[Parameters.Count];
        _first = new bool[Parameters.Count];
        _learningRates = new double[Parameters.Count];
        _weightDecays = new double[Parameters.Count];
    }

    /// <summary>The momentum factor (0: plain SGD).</summary>
    public double Momentum { get; }
    /// <summary>The dampening of the momentum accumulation.</summary>
    public double Dampening { get; }
    /// <summary>Whether Nesterov momentum is used.</summary>
    public bool Nesterov { get; }
    /// <summary>The L2 coefficient λ added to the gradient as λ·W, for groups that set none (see <see cref="Optimizer.GroupWeightDecay"/>).</summary>
    public double WeightDecay { get; }

    private protected override void Update(int index, Tensor parameter, Tensor gradient)
    {
        _first[index] = !_started[index];
        _started[index] = true;
        _gradients[index] = gradient;
        _learningRates[index] = LearningRateOf(index);
        _weightDecays[index] = WeightDecayOf(index);
    }

    // A step that failed half-way (a gradient of the wrong shape) must leave nothing for the next one.
    private protected override void BeginStep() => Array.Clear(_gradients);

    private protected override void EndStep()
    {
        try
        {
            Kernels.Parallelism.For(Pieces.Length, 4L * PieceLength, new PieceBody { Optimizer = this });
        }
        finally
        {
            // Gradients are not kept past the step (they may be replaced before the next one).
            Array.Clear(_gradients);
        }
    }

    /// <summary>One piece of one parameter's update.</summary>
    private struct PieceBody : Kernels.IParallelBody
    {
        public Sgd Optimizer;

        public readonly void Invoke(int piece)
        {
            var (index, start, length) = Optimizer.Pieces[piece];
            if (Optimizer._gradients[index] is not { } gradient) return;
            var step = new StepAction
            {
                Optimizer = Optimizer, Parameter = Optimizer.Parameters[index], Gradient = gradient,
                Buffer = Optimizer.Momentum != 0 ? Optimizer._momentumBuffers[index] : null, First = Optimizer._first[index],
                LearningRate = Optimizer._learningRates[index], WeightDecay = Optimizer._weightDecays[index], Start = start, Length = length,
            };
            DTypeDispatch.Run(step.Parameter.DType, ref step);
        }
    }

    private struct StepAction : IDTypeAction
    {
        public Sgd Optimizer;
        public Tensor Parameter, Gradient;
        public Tensor? Buffer;
        public bool First;
        public double LearningRate, WeightDecay;
        public int Start, Length;

        public readonly void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
            Optimizer.Apply(Parameter.Span<T>().Slice(Start, Length), Gradient.Span<T>().Slice(Start, Length),
                Buffer is null ? default : Buffer.Span<T>().Slice(Start, Length), First, LearningRate, WeightDecay);
    }

    private void Apply<T>(Span<T> p, ReadOnlySpan<T> g, Span<T> b, bool first, double learningRate, double weightDecay)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T lr = T.CreateTruncating(learningRate), wd = T.CreateTruncating(weightDecay);
        T mu = T.CreateTruncating(Momentum), keep = T.CreateTruncating(1 - Dampening);
        bool decay = weightDecay != 0, momentum = Momentum != 0, nesterov = Nesterov;
        int i = 0;
        if (Vector.IsHardwareAccelerated && p.Length >= Vector<T>.Count)
        {
            var vlr = new Vector<T>(lr); var vwd = new Vector<T>(wd); var vmu = new Vector<T>(mu); var vkeep = new Vector<T>(keep);
            for (; i <= p.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var vp = new Vector<T>(p[i..]);
                var d = new Vector<T>(g[i..]);
                if (decay) d += vwd * vp;
                if (momentum)
                {
                    var vb = first ? d : vmu * new Vector<T>(b[i..]) + vkeep * d;
                    vb.CopyTo(b[i..]);
                    d = nesterov ? d + vmu * vb : vb;
                }
                (vp - vlr * d).CopyTo(p[i..]);
            }
        }
        for (; i < p.Length; i++)
        {
            T d = g[i];
            if (decay) d += wd * p[i];
            if (momentum)
            {
                T vb = first ? d : mu * b[i] + keep * d;
                b[i] = vb;
                d = nesterov ? d + mu * vb : vb;
            }
            p[i] -= lr * d;
        }
    }

    private protected override void AddBuffers(List<KeyValuePair<string, Tensor>> state)
    {
        for (int i = 0; i < _momentumBuffers.Length; i++)
            state.Add(new($"state.{i}.momentum_buffer", _momentumBuffers[i]));
    }

    // A restored buffer continues the accumulation (PyTorch's buffer exists after the first step).
    private protected override void OnStateLoaded() => Array.Fill(_started, StepCount > 0);
}
