using System.Numerics;

namespace Backprop;

/// <summary>
/// A computation written once for every floating-point element type: the caller's struct holds the tensors and
/// arguments, and <see cref="DTypeDispatch.Run{TAction}(DType, ref TAction)"/> calls <see cref="Invoke{T}"/> with the
/// element type of a dtype. A struct (not a delegate) so the JIT compiles one specialised copy per type.
/// </summary>
internal interface IDTypeAction
{
    void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>Like <see cref="IDTypeAction"/> for computations that only move elements (copies, gathers), so they serve int32 too.</summary>
internal interface IAnyDTypeAction
{
    void Invoke<T>() where T : unmanaged;
}

/// <summary>
/// The one place that maps a <see cref="DType"/> to its CLR element type. A new floating-point dtype (Half,
/// BFloat16) is one more case here; every operator and kernel that dispatches through it then supports it.
/// </summary>
internal static class DTypeDispatch
{
    /// <summary>Runs <paramref name="action"/> for the element type of a floating-point <paramref name="dtype"/>.</summary>
    public static void Run<TAction>(DType dtype, ref TAction action) where TAction : struct, IDTypeAction
    {
        switch (dtype)
        {
            case DType.Float32: action.Invoke<float>(); break;
            case DType.Float64: action.Invoke<double>(); break;
            // Operators reject integer tensors with a message of their own before they dispatch.
            default: throw new InvalidOperationException($"internal: no floating-point kernel for {dtype.Name()}");
        }
    }

    /// <summary>Runs <paramref name="action"/> for the element type of any <paramref name="dtype"/>.</summary>
    public static void RunAny<TAction>(DType dtype, ref TAction action) where TAction : struct, IAnyDTypeAction
    {
        switch (dtype)
        {
            case DType.Float32: action.Invoke<float>(); break;
            case DType.Float64: action.Invoke<double>(); break;
            case DType.Int32: action.Invoke<int>(); break;
            default: throw new InvalidOperationException($"internal: unknown dtype {dtype}");
        }
    }
}
