using System.Numerics;
using System.Numerics.Tensors;

namespace Backprop.Kernels;

/// <summary>
/// Table look-up and its gradient: the forward copies row <c>indices[t]</c> of a [rows, width] table to output row t;
/// the backward adds output-gradient row t into gradient row <c>indices[t]</c> (an index-add over the rows in use,
/// never a one-hot matrix product).
/// </summary>
/// <remarks>
/// Determinism: the backward is split over column blocks of the table, never over tokens, so every gradient element
/// sums its tokens in token order on one thread, whatever <see cref="Parallelism.MaxThreads"/> is. Indices are
/// validated by the caller (the operator reports a bad one by value and position); here they are trusted.
/// </remarks>
internal static unsafe class EmbeddingKernel
{
    // Columns per work item of the backward when it runs on several threads: wide enough for several vectors, narrow
    // enough to split a 128-wide table.
    private const int ColumnBlock = 32;

    /// <summary>output[t, :] = table[indices[t], :].</summary>
    /// <param name="table">[rows, width], row-major.</param>
    /// <param name="indices">The rows to read, each in [0, rows).</param>
    /// <param name="output">[indices.Length, width]; overwritten.</param>
    /// <param name="width">Elements per row.</param>
    public static void Gather<T>(ReadOnlySpan<T> table, ReadOnlySpan<int> indices, Span<T> output, int width) where T : unmanaged
    {
        CheckLengths(table.Length, indices.Length, output.Length, width, nameof(output));
        fixed (T* pTable = table) fixed (int* pIdx = indices) fixed (T* pOut = output)
        {
            var body = new GatherBody<T> { Table = pTable, Indices = pIdx, Output = pOut, Width = width };
            Parallelism.For(indices.Length, width, body);
        }
    }

    /// <summary>gradTable[indices[t], :] += gradOutput[t, :] for every t in order; rows no index names are left as they are.</summary>
    /// <param name="gradOutput">[indices.Length, width].</param>
    /// <param name="indices">The rows the forward read, each in [0, rows).</param>
    /// <param name="gradTable">[rows, width]; added to (the caller zeroes it).</param>
    /// <param name="width">Elements per row.</param>
    public static void IndexAdd<T>(ReadOnlySpan<T> gradOutput, ReadOnlySpan<int> indices, Span<T> gradTable, int width)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckLengths(gradTable.Length, indices.Length, gradOutput.Length, width, nameof(gradOutput));
        if (width == 0 || indices.IsEmpty) return;
        int blocks = (width + ColumnBlock - 1) / ColumnBlock;
        long workPerBlock = (long)indices.Length * Math.Min(width, ColumnBlock);
        // On one thread, whole rows: a quarter of the span calls for a 128-wide table, and the same sums in the same order.
        int block = Parallelism.ThreadsFor(blocks, workPerBlock) == 1 ? width : ColumnBlock;
        fixed (T* pGy = gradOutput) fixed (int* pIdx = indices) fixed (T* pGw = gradTable)
        {
            var body = new IndexAddBody<T> { GradOutput = pGy, Indices = pIdx, GradTable = pGw, Width = width, Count = indices.Length, Block = block };
            Parallelism.For((width + block - 1) / block, workPerBlock, body);
        }
    }

    private static void CheckLengths(int tableLength, int count, int rowsLength, int width, string name)
    {
        if (width < 0 || (width > 0 && tableLength % width != 0))
            throw new ArgumentException($"An embedding table of {tableLength} elements is not a whole number of rows of {width}.");
        if (rowsLength != (long)count * width)
            throw new ArgumentException($"Buffer {name} has {rowsLength} elements but {count} rows of {width} need {(long)count * width}.", name);
    }

    private struct GatherBody<T> : IParallelBody where T : unmanaged
    {
        public T* Table, Output;
        public int* Indices;
        public int Width;

        public readonly void Invoke(int t) =>
            new ReadOnlySpan<T>(Table + (nint)Indices[t] * Width, Width).CopyTo(new Span<T>(Output + (nint)t * Width, Width));
    }

    private struct IndexAddBody<T> : IParallelBody where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* GradOutput, GradTable;
        public int* Indices;
        public int Width, Count, Block;

        public readonly void Invoke(int block)
        {
            int start = block * Block, length = Math.Min(Block, Width - start);
            for (int t = 0; t < Count; t++)
            {
                var row = new Span<T>(GradTable + (nint)Indices[t] * Width + start, length);
                TensorPrimitives.Add(row, new ReadOnlySpan<T>(GradOutput + (nint)t * Width + start, length), row);
            }
        }
    }
}
