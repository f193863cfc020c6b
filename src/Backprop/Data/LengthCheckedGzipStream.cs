using System.Buffers.Binary;
using System.IO.Compression;

namespace Backprop.Data;

/// <summary>
/// Decompresses a gzip stream and, at its end, checks the length the gzip trailer records (ISIZE, the last four
/// bytes: the uncompressed size modulo 2^32) against the bytes actually produced. <see cref="GZipStream"/> itself
/// ends quietly when the compressed data stops early, so a download cut off on a row boundary would otherwise read
/// as a valid, shorter file; with the check it throws <see cref="InvalidDataException"/> (as the gzip decoder does
/// for corrupt data), which the readers report as a <see cref="DataFormatException"/>.
/// </summary>
/// <remarks>
/// Only the last member's trailer is at the end of the file, so a file of several concatenated gzip members is
/// reported too (a single-member file, what gzip writes, is the norm for data sets; recompress such a file).
/// </remarks>
internal sealed class LengthCheckedGzipStream : Stream
{
    // A gzip member has a 10-byte header and an 8-byte trailer around at least 2 bytes of deflate data.
    private const int SmallestMember = 20;

    private readonly GZipStream _inner;
    private readonly uint? _recordedLength;
    private readonly long _compressedLength;
    private long _produced;
    private bool _checked;

    /// <summary>Takes ownership of <paramref name="source"/>, which must be seekable and positioned at the gzip magic.</summary>
    public LengthCheckedGzipStream(Stream source)
    {
        long start = source.Position;
        _compressedLength = source.Length - start;
        if (_compressedLength >= SmallestMember)
        {
            Span<byte> trailer = stackalloc byte[4];
            source.Position = source.Length - 4;
            source.ReadExactly(trailer);
            _recordedLength = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
        }
        source.Position = start;
        _inner = new GZipStream(source, CompressionMode.Decompress, leaveOpen: false);
    }

    /// <summary>An upper bound of the decompressed size: deflate expands at most 1032-fold (RFC 1951's longest match per bit pair).</summary>
    public long MaximumDecompressedLength => _compressedLength * 1032;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int read = _inner.Read(buffer);
        _produced += read;
        if (read == 0 && buffer.Length > 0) CheckComplete();
        return read;
    }

    private void CheckComplete()
    {
        if (_checked) return;
        _checked = true;
        if (_recordedLength is not { } recorded)
            throw new InvalidDataException($"the gzip data is truncated: {_compressedLength} bytes are too few for a gzip stream with its trailer.");
        if ((uint)_produced != recorded)
            throw new InvalidDataException(
                $"the gzip data is truncated or corrupt: it decompressed to {_produced} bytes, but its trailer records {recorded} (mod 2^32); 'gzip -t' checks the file.");
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _produced; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _inner.Dispose();
        base.Dispose(disposing);
    }
}
