using System.Globalization;

namespace Backprop.NN;

/// <summary>
/// Batch normalisation over the channel axis (axis 1): y = (x − μ) / √(σ² + ε) · γ + β. In training μ and σ² are the
/// batch's mean and biased variance over every axis but the channels, and the running statistics move towards them
/// by <see cref="Momentum"/> (running_var with the unbiased variance, as PyTorch). In evaluation the running
/// statistics are used. Training runs as one fused operator (<see cref="Ops.BatchNormOp"/>), evaluation as the graph's
/// own operators.
/// </summary>
public abstract class BatchNorm : Module<Tensor, Tensor>
{
    private readonly int _rank;

    /// <summary>Creates the layer for inputs of rank <paramref name="rank"/> (the first allowed rank is checked by subclasses).</summary>
    private protected BatchNorm(int features, int rank, double eps, double momentum, bool affine, DType dtype)
    {
        if (features <= 0) throw new ArgumentOutOfRangeException(nameof(features), features, $"{GetType().Name}: features must be positive");
        (Features, Eps, Momentum, _rank) = (features, eps, momentum, rank);
        if (affine)
        {
            Weight = RegisterParameter("weight", Tensor.Ones([features], dtype));
            Bias = RegisterParameter("bias", Tensor.Zeros([features], dtype));
        }
        RunningMean = RegisterBuffer("running_mean", Tensor.Zeros([features], dtype));
        RunningVar = RegisterBuffer("running_var", Tensor.Ones([features], dtype));
        NumBatchesTracked = RegisterBuffer("num_batches_tracked", Tensor.Zeros([], DType.Int32));
    }

    /// <summary>Channels C.</summary>
    public int Features { get; }
    /// <summary>ε added to the variance.</summary>
    public double Eps { get; }
    /// <summary>Weight of the newest batch in the running statistics.</summary>
    public double Momentum { get; }
    /// <summary>γ [C], or null when not affine.</summary>
    public Tensor? Weight { get; }
    /// <summary>β [C], or null when not affine.</summary>
    public Tensor? Bias { get; }
    /// <summary>Running mean [C].</summary>
    public Tensor RunningMean { get; }
    /// <summary>Running (unbiased) variance [C].</summary>
    public Tensor RunningVar { get; }
    /// <summary>How many training batches updated the running statistics (a 0-d int32 tensor).</summary>
    public Tensor NumBatchesTracked { get; }

    private protected abstract bool AcceptsRank(int rank);

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        if (!AcceptsRank(input.Rank) || input.Shape[1] != Features)
            throw new ArgumentException($"{Describe()}: got input {Shapes.Format(input.ShapeArray)}, expected {ExpectedShape()}");
        if (IsTraining)
        {
            int count = input.Numel / Features;
            if (count < 2)
                throw new ArgumentException($"{Describe()}: training needs more than one value per channel, got input {Shapes.Format(input.ShapeArray)}");
            // Under vmap the unfused form, whose operators have batching rules; otherwise one fused operator.
            if (input.Batched is not null || Weight?.Batched is not null || Bias?.Batched is not null)
                return BatchedTrainingForward(input, count);
            var (y, mean, variance) = Ops.BatchNormOp.Apply(input, Weight, Bias, Eps);
            UpdateRunningStatistics(mean, variance, count);
            return y;
        }
        var channelShape = Ops.BatchNormOp.Axes(input.Rank, Features).ChannelShape;
        var normalized = (input - RunningMean.Reshape(channelShape)) / (RunningVar.Reshape(channelShape) + Eps).Sqrt();
        if (Weight is not null && Bias is not null)
            normalized = normalized * Weight.Reshape(channelShape) + Bias.Reshape(channelShape);
        // An export trace sees evaluation mode as the one operator ONNX has for it.
        return Ops.BatchNormEvalOp.Trace(normalized, input, RunningMean, RunningVar, Weight, Bias, Eps);
    }

    private Tensor BatchedTrainingForward(Tensor input, int count)
    {
        var (axes, channelShape) = Ops.BatchNormOp.Axes(input.Rank, Features);
        var mean = input.Mean(axes, keepDim: true);
        var centered = input - mean;
        var variance = (centered * centered).Mean(axes, keepDim: true);
        var y = centered / (variance + Eps).Sqrt();
        using (Autograd.NoGrad())
            UpdateRunningStatistics(Tensor.FromArray(mean.Detach().ToDoubleArray()), Tensor.FromArray(variance.Detach().ToDoubleArray()), count);
        return Weight is not null && Bias is not null ? y * Weight.Reshape(channelShape) + Bias.Reshape(channelShape) : y;
    }

    // From the batch's mean and biased variance, C values each outside any graph.
    private void UpdateRunningStatistics(Tensor mean, Tensor variance, int count)
    {
        double m = Momentum, unbias = count / (count - 1.0);
        for (int c = 0; c < Features; c++)
        {
            RunningMean.SetFlat(c, (1 - m) * RunningMean.GetFlat(c) + m * mean.GetFlat(c));
            RunningVar.SetFlat(c, (1 - m) * RunningVar.GetFlat(c) + m * variance.GetFlat(c) * unbias);
        }
        NumBatchesTracked.SetFlat(0, NumBatchesTracked.GetFlat(0) + 1);
    }

    private string ExpectedShape() => _rank == 4 ? $"[N, {Features}, H, W]" : $"[N, {Features}] or [N, {Features}, L]";

    /// <inheritdoc/>
    public override string Describe() =>
        $"{GetType().Name}({Features}, eps={Eps.ToString("R", CultureInfo.InvariantCulture).Replace('E', 'e')}, momentum={Momentum.ToString(CultureInfo.InvariantCulture)}{(Weight is null ? ", affine=false" : "")})";
}
