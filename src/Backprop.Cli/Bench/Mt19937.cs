namespace Backprop.Cli.Bench;

/// <summary>
/// The 32-bit Mersenne Twister (Matsumoto &amp; Nishimura 1998), exactly C++'s <c>std::mt19937</c> seeded with
/// <c>init_genrand(seed)</c>. gpt_char's batches are defined by its output (../shared/bench/GPT.md, section 2):
/// it is what <c>torch.randint(n, (12,), generator=torch.Generator().manual_seed(seed))</c> draws on the CPU, so
/// <c>bench gpt</c> sees the very batches the PyTorch and TorchSharp references see. Lives in the CLI because it
/// serves that one contract; the library's <see cref="Generator"/> (xoshiro256**) is what models draw from.
/// </summary>
public sealed class Mt19937
{
    private const int N = 624, M = 397;
    private const uint MatrixA = 0x9908B0DF, UpperMask = 0x80000000, LowerMask = 0x7FFFFFFF;
    private readonly uint[] _state = new uint[N];
    private int _index;

    /// <summary>Seeds the state as <c>init_genrand</c> does.</summary>
    public Mt19937(uint seed)
    {
        _state[0] = seed;
        for (int i = 1; i < N; i++)
            _state[i] = 1812433253u * (_state[i - 1] ^ (_state[i - 1] >> 30)) + (uint)i;
        _index = N;
    }

    /// <summary>The next tempered 32-bit output (<c>genrand_int32</c>).</summary>
    public uint NextUInt32()
    {
        if (_index >= N) Twist();
        uint y = _state[_index++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9D2C5680;
        y ^= (y << 15) & 0xEFC60000;
        y ^= y >> 18;
        return y;
    }

    private void Twist()
    {
        for (int i = 0; i < N; i++)
        {
            uint y = (_state[i] & UpperMask) | (_state[(i + 1) % N] & LowerMask);
            _state[i] = _state[(i + M) % N] ^ (y >> 1) ^ ((y & 1) != 0 ? MatrixA : 0);
        }
        _index = 0;
    }
}
