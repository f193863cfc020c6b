using Backprop.NN;

namespace Backprop.Onnx;

/// <summary>
/// A module holding the initializers whose ONNX names share a dotted prefix, so that an exported PyTorch model's
/// <c>fc1.weight</c> keeps that name in <see cref="Module.StateDict"/> (entry names themselves may not contain dots).
/// </summary>
internal sealed class OnnxParameterGroup : Module
{
    private readonly string _path;

    internal OnnxParameterGroup(string path) => _path = path;

    public override string Describe() => $"OnnxParameterGroup({_path})";

    internal Tensor AddParameter(string name, Tensor tensor) => RegisterParameter(name, tensor);

    internal Tensor AddBuffer(string name, Tensor tensor) => RegisterBuffer(name, tensor);

    internal OnnxParameterGroup Group(string name)
    {
        foreach (var (key, child) in Children)
            if (key == name) return child as OnnxParameterGroup ?? throw new ArgumentException($"'{name}' is not a group");
        return RegisterModule(name, new OnnxParameterGroup(_path.Length == 0 ? name : _path + "." + name));
    }
}
