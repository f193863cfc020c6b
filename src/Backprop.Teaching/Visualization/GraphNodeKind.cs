namespace Backprop.Teaching.Visualization;

/// <summary>The role of a node in a computation-graph picture; decides how it is drawn.</summary>
public enum GraphNodeKind
{
    /// <summary>A variable the output is differentiated with respect to (drawn as its name, on the left).</summary>
    Input,
    /// <summary>A literal number in the program (drawn as plain grey text).</summary>
    Constant,
    /// <summary>An operation such as "*", "+" or "ln" (drawn as a circle).</summary>
    Operator,
    /// <summary>The final result (drawn as its name, on the right).</summary>
    Output,
}
