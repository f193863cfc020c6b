namespace Backprop.Onnx;

/// <summary>
/// A model that cannot be written as ONNX: an operator with no ONNX equivalent, or a forward pass whose structure or
/// constants change with the batch size. Names the operator and the module whose forward pass recorded it; nothing
/// is written when it is thrown.
/// </summary>
public sealed class OnnxExportException : NotSupportedException
{
    internal OnnxExportException(string op, string module, string message) : base(message)
    {
        Operator = op;
        ModulePath = module;
    }

    /// <summary>The operator's name, such as "topk".</summary>
    public string Operator { get; }

    /// <summary>The dotted path of the module that recorded it (such as <c>h.0.c_attn</c>), or "(model)" for the model's own forward.</summary>
    public string ModulePath { get; }
}
