using Microsoft.Win32.SafeHandles;

namespace DistillService.Core.Storage;

/// <summary>Positional reads of a file through one handle (<see cref="RandomAccess"/>: no shared position, thread-safe).</summary>
internal sealed class FileRanges(SafeFileHandle handle) : IBlobRanges
{
    public long Length => RandomAccess.GetLength(handle);

    public void ReadExactly(long offset, Span<byte> first, Span<byte> second, Span<byte> third = default)
    {
        Fill(first, offset);
        Fill(second, offset + first.Length);
        Fill(third, offset + first.Length + second.Length);
    }

    private void Fill(Span<byte> target, long offset)
    {
        while (target.Length > 0)
        {
            var read = RandomAccess.Read(handle, target, offset);
            if (read == 0) throw new EndOfStreamException();
            target = target[read..];
            offset += read;
        }
    }

    public void Dispose() => handle.Dispose();
}
