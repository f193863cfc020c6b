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
        if (!AnomalyDetection.TracksModules)
        {
            foreach (var layer in _layers) x = layer.Forward(x);
            return x;
        }
        // Anomaly mode and traces name the layer an operator came from, so each layer's forward runs under its entry name.
        foreach (var layer in _layers) x = ForwardChild(layer, x);
        return x;
    }
}
