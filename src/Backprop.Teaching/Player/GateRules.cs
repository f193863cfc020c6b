namespace Backprop.Teaching.Player;

/// <summary>
/// Each gate's backward rule as the texts state it: in words (add distributes, multiply swaps, max routes, ...) and in
/// symbols, for the program operators (<c>+ * ^ sigmoid</c>) and the engine's (<c>add mul matmul cross_entropy</c>).
/// </summary>
public static class GateRules
{
    /// <summary>The rule of <paramref name="op"/>: (words, symbols), or null for an operator without one written here.</summary>
    public static (string Words, string Symbols)? Of(string op) => op switch
    {
        "+" or "add" => ("add distributes: every input receives the upstream gradient unchanged", "∂(a + b)/∂a = 1,  ∂(a + b)/∂b = 1"),
        "-" or "sub" => ("subtract passes the gradient to the first input and its negative to the second", "∂(a − b)/∂a = 1,  ∂(a − b)/∂b = −1"),
        "*" or "mul" => ("multiply swaps: each input receives the upstream gradient times the other input", "∂(a·b)/∂a = b,  ∂(a·b)/∂b = a"),
        "/" or "div" => ("divide: the numerator gets upstream / b, the denominator −upstream · a / b²", "∂(a/b)/∂a = 1/b,  ∂(a/b)/∂b = −a/b²"),
        "^" or "pow" => ("power: the base gets b·aᵇ⁻¹ times upstream, the exponent aᵇ·ln a", "∂aᵇ/∂a = b·aᵇ⁻¹,  ∂aᵇ/∂b = aᵇ·ln a"),
        "neg" => ("negate flips the sign of the gradient", "∂(−a)/∂a = −1"),
        "ln" => ("ln scales the gradient by 1/a", "∂ ln a/∂a = 1/a"),
        "exp" => ("exp scales the gradient by its own output", "∂eᵃ/∂a = eᵃ"),
        "sqrt" => ("sqrt scales the gradient by 1/(2√a)", "∂√a/∂a = 1/(2√a)"),
        "abs" => ("abs passes the gradient with the sign of its input", "∂|a|/∂a = sign(a)"),
        "tanh" => ("tanh scales the gradient by 1 − tanh²", "∂ tanh a/∂a = 1 − tanh²(a)"),
        "sigmoid" => ("sigmoid uses σ(1−σ): the gradient is scaled by its output times one minus its output", "∂σ(a)/∂a = σ(a)·(1 − σ(a))"),
        "relu" => ("relu routes: the gradient passes where the input was positive and is 0 elsewhere", "∂ relu(a)/∂a = [a > 0]"),
        "max" or "maximum" => ("max routes the whole gradient to the larger input and nothing to the other", "∂ max(a, b)/∂a = [a ≥ b],  ∂ max(a, b)/∂b = [b > a]"),
        "min" or "minimum" => ("min routes the whole gradient to the smaller input and nothing to the other", "∂ min(a, b)/∂a = [a ≤ b],  ∂ min(a, b)/∂b = [b < a]"),
        "matmul" => ("matrix product: each factor gets the upstream gradient multiplied by the other factor, transposed", "∂L/∂A = G·Bᵀ,  ∂L/∂B = Aᵀ·G"),
        "linear" => ("linear layer Y = X·Wᵀ + b: the input gets G·W, the weight Gᵀ·X, the bias G summed over the batch", "∂L/∂X = G·W,  ∂L/∂W = Gᵀ·X,  ∂L/∂b = Σ₀ G"),
        "cross_entropy" => ("softmax cross-entropy: the logits get softmax minus the one-hot label, averaged over the batch", "∂L/∂z = (softmax(z) − onehot(y)) / N"),
        "sum" => ("sum copies the upstream gradient to every element it added up", "∂(Σ aᵢ)/∂aᵢ = 1"),
        "reshape" or "permute" or "expand" or "copy" or "to" or "slice" => ("a shape operation moves the gradient back to where each element came from", "∂L/∂a = G, rearranged to a's shape"),
        _ => null,
    };
}
