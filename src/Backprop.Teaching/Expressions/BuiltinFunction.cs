namespace Backprop.Teaching.Expressions;

/// <summary>The functions a program may call. Spelling variants (ln/log) map to one member.</summary>
public enum BuiltinFunction
{
    /// <summary>Natural logarithm, written <c>ln(x)</c> or <c>log(x)</c>.</summary>
    Ln,
    /// <summary><c>exp(x)</c>.</summary>
    Exp,
    /// <summary><c>sqrt(x)</c>.</summary>
    Sqrt,
    /// <summary><c>abs(x)</c>.</summary>
    Abs,
    /// <summary><c>tanh(x)</c>.</summary>
    Tanh,
    /// <summary>Logistic function <c>sigmoid(x)</c> = 1 / (1 + e^-x).</summary>
    Sigmoid,
    /// <summary><c>relu(x)</c> = max(x, 0).</summary>
    Relu,
    /// <summary><c>max(a, b)</c>.</summary>
    Max,
    /// <summary><c>min(a, b)</c>.</summary>
    Min,
    /// <summary><c>pow(a, b)</c> = a^b.</summary>
    Pow,
}
