namespace Backprop.Teaching.Expressions;

/// <summary>What a <see cref="ProgramNode"/> stands for.</summary>
public enum ProgramNodeKind
{
    /// <summary>A name read before it is assigned; its value comes from the caller and it gets a gradient.</summary>
    Input,
    /// <summary>A number written in the program; it takes part in the graph but receives no gradient.</summary>
    Constant,
    /// <summary>An operator or function applied to other nodes: a gate.</summary>
    Operation,
}
