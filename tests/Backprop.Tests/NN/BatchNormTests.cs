using Backprop.NN;

namespace Backprop.Tests.NN;

public class BatchNormTests
{
    [Fact]
    public void Train_mode_normalises_with_batch_statistics_and_updates_running_stats()
    {
        var bn = new BatchNorm1d(2, dtype: DType.Float64);
        // Column 0: 1, 2, 3, 6 (mean 3, biased var 3.5, unbiased 14/3); column 1: constant 5 (var 0).
        var x = Tensor.FromArray([1.0, 5, 2, 5, 3, 5, 6, 5], 4, 2);
        var y = bn.Forward(x);
        double sd = Math.Sqrt(3.5 + 1e-5);
        Assert.Equal((1 - 3) / sd, y[0, 0], 12);
        Assert.Equal((6 - 3) / sd, y[3, 0], 12);
        Assert.Equal(0, y[2, 1], 12);
        // running = 0.9·initial + 0.1·batch, the variance unbiased (PyTorch).
        Assert.Equal(0.1 * 3, bn.RunningMean[0], 12);
        Assert.Equal(0.1 * 5, bn.RunningMean[1], 12);
        Assert.Equal(0.9 * 1 + 0.1 * 14.0 / 3, bn.RunningVar[0], 12);
        Assert.Equal(0.9 * 1, bn.RunningVar[1], 12);
        Assert.Equal(1, bn.NumBatchesTracked.Item());
    }

    [Fact]
    public void Eval_mode_uses_running_statistics_and_leaves_them_alone()
    {
        var bn = new BatchNorm2d(2, dtype: DType.Float64);
        bn.RunningMean.CopyFrom(Tensor.FromArray([1.0, -1], 2));
        bn.RunningVar.CopyFrom(Tensor.FromArray([4.0, 0.25], 2));
        bn.Weight!.CopyFrom(Tensor.FromArray([2.0, 1], 2));
        bn.Bias!.CopyFrom(Tensor.FromArray([0.0, 3], 2));
        bn.Eval();
        var x = Tensor.FromArray([3.0, 1, 0, -1], 1, 2, 1, 2);
        var y = bn.Forward(x);
        Assert.Equal(2 * (3 - 1) / Math.Sqrt(4 + 1e-5), y[0, 0, 0, 0], 12);
        Assert.Equal(2 * (1 - 1) / Math.Sqrt(4 + 1e-5), y[0, 0, 0, 1], 12);
        Assert.Equal((0 + 1) / Math.Sqrt(0.25 + 1e-5) + 3, y[0, 1, 0, 0], 12);
        Assert.Equal(1.0, bn.RunningMean[0]);
        Assert.Equal(0, bn.NumBatchesTracked.Item());
        // The train-mode output of the same batch differs (it normalises by the batch itself).
        bn.Train();
        Assert.NotEqual(y[0, 0, 0, 0], bn.Forward(x)[0, 0, 0, 0], 6);
    }

    [Fact]
    public void Train_mode_rejects_a_single_value_per_channel()
    {
        var bn = new BatchNorm1d(3);
        var e = Assert.Throws<ArgumentException>(() => bn.Forward(Tensor.Zeros(1, 3)));
        Assert.Contains("more than one value per channel", e.Message);
    }
}
