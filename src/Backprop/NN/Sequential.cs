using System.Globalization;

namespace Backprop.NN;

/// <summary>Applies its layers in order. Layers are named by their index, so entries read <c>0.weight</c>, <c>2.bias</c>.</summary>
public sealed class Sequential : Module<Tensor, Tensor>
{
    private readonly List<Module<Tensor, Tensor>> _layers = [];

    /// <summary>Creates a model from layers in order.</summary>
    public Sequential(params Module<Tensor, Tensor>[] layers)
    {
        foreach (var layer in layers) Add(layer);
    }

    /// <summary>Appends a layer (named by its index).</summary>
    public Sequential Add(Module<Tensor, Tensor> layer)
    {
        RegisterModule(_layers.Count.ToString(CultureInfo.InvariantCulture), layer);
        _layers.Add(layer);
        return this;
    }

    /// <summary>The layers in order.</summary>
    public IReadOnlyList<Module<Tensor, Tensor>> Layers => _layers;

    /// <summary>The number of layers.</summary>
    public int Count => _layers.Count;

    /// <summary>The layer at <paramref name="index"/>.</summary>
    public Module<Tensor, Tensor> this[int index] => _layers[index];

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        var x = input;
        int layers;
        if (!AnomalyDetection.TracksModules)
        {
            for (int i = 0; i < _layers.Count; i += layers)
                x = ForwardLayer(i, x, out layers);
            return x;
        }
        // Anomaly mode and traces name the layer an operator came from, so each layer's forward runs under its entry name.
        foreach (var layer in _layers) x = ForwardChild(layer, x);
        return x;
    }

    /// <summary>
    /// Runs the layer at <paramref name="index"/> on <paramref name="input"/>, together with the next ones where they
    /// run as one operator, and says how many layers it ran (1 to 3). <see cref="Forward"/> is this over all layers.
    /// </summary>
    /// <remarks>
    /// A Conv2d layer, ReLU and a 2×2 MaxPool2d of stride 2 run as one operator (conv2d_relu_max_pool2d, the pooling in
    /// the convolution's epilogue); a ReLU layer right before any other MaxPool2d layer as one (relu_max_pool2d), and a
    /// Linear layer right before a ReLU layer too (linear_relu): the same numbers, without a separate ReLU output and
    /// gradient. Under anomaly detection or a trace, which name each layer's operators, every layer runs on its own.
    /// </remarks>
    public Tensor ForwardLayer(int index, Tensor input, out int layers)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _layers.Count);
        if (!AnomalyDetection.TracksModules && _layers[index] is Conv2d conv && index + 2 < _layers.Count && _layers[index + 1] is ReLU
            && _layers[index + 2] is MaxPool2d { KernelSize: 2, Stride: 2, Padding: 0 })
        {
            layers = 3;
            return Ops.Conv2dReluMaxPool2dOp.Apply(input, conv.Weight, conv.Bias, conv.Stride, conv.Padding);
        }
        if (!AnomalyDetection.TracksModules && _layers[index] is ReLU && index + 1 < _layers.Count && _layers[index + 1] is MaxPool2d pool)
        {
            layers = 2;
            return Ops.ReluMaxPool2dOp.Apply(input, pool.KernelSize, pool.Stride, pool.Padding);
        }
        if (!AnomalyDetection.TracksModules && _layers[index] is Linear linear && index + 1 < _layers.Count && _layers[index + 1] is ReLU)
        {
            layers = 2;
            return linear.Forward(input, relu: true);
        }
        layers = 1;
        return _layers[index].Forward(input);
    }
}
