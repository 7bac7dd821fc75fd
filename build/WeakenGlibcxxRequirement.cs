using System;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

// Marks one GLIBCXX version requirement of libLibTorchSharp.so weak, only when the host's
// libstdc++ lacks that version. See LibTorchSharpGlibcxx.targets for why.
public class WeakenGlibcxxRequirement : Task
{
    const uint ShtGnuVerneed = 0x6ffffffe;
    const ushort VerFlagWeak = 0x2;

    static readonly string[] LibStdCxxCandidates =
    {
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib64/libstdc++.so.6",
        "/lib64/libstdc++.so.6",
        "/usr/lib/libstdc++.so.6",
    };

    [Required] public string Directory { get; set; } = "";
    [Required] public string Version { get; set; } = "";

    public override bool Execute()
    {
        if (!System.IO.Directory.Exists(Directory)) return true;
        var libStdCxx = LibStdCxxCandidates.FirstOrDefault(File.Exists);
        if (libStdCxx == null)
        {
            Log.LogMessage(MessageImportance.Low, "No libstdc++.so.6 found; leaving libLibTorchSharp.so alone.");
            return true;
        }
        if (Contains(File.ReadAllBytes(libStdCxx), Encoding.ASCII.GetBytes(Version + "\0")))
        {
            Log.LogMessage(MessageImportance.Low, $"{libStdCxx} provides {Version}; nothing to patch.");
            return true;
        }
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, "libLibTorchSharp.so", SearchOption.AllDirectories))
        {
            var stamp = File.GetLastWriteTimeUtc(path);
            var bytes = File.ReadAllBytes(path);
            var result = MarkWeak(bytes, Version);
            if (result == PatchResult.Patched)
            {
                File.WriteAllBytes(path, bytes);
                // Keep the timestamp so the incremental copy does not restore the unpatched file.
                File.SetLastWriteTimeUtc(path, stamp);
                Log.LogMessage(MessageImportance.High, $"Marked {Version} weak in {path} (host libstdc++ lacks it).");
            }
            else if (result == PatchResult.NotElf)
            {
                Log.LogWarning($"{path} is not a 64-bit little-endian ELF file; not patched.");
            }
        }
        return !Log.HasLoggedErrors;
    }

    enum PatchResult { NotElf, NotNeeded, AlreadyWeak, Patched }

    static PatchResult MarkWeak(byte[] elf, string version)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F'
            || elf[4] != 2 /* ELFCLASS64 */ || elf[5] != 1 /* little-endian */)
            return PatchResult.NotElf;

        ulong shoff = U64(elf, 0x28);
        int shentsize = U16(elf, 0x3A);
        int shnum = U16(elf, 0x3C);
        for (int i = 0; i < shnum; i++)
        {
            long sh = (long)shoff + (long)i * shentsize;
            if (U32(elf, sh + 4) != ShtGnuVerneed) continue;
            long offset = (long)U64(elf, sh + 0x18);
            int link = (int)U32(elf, sh + 0x28);
            long strtab = (long)U64(elf, (long)shoff + (long)link * shentsize + 0x18);

            long need = offset;
            while (true)
            {
                int count = U16(elf, need + 2);
                long aux = need + U32(elf, need + 8);
                for (int a = 0; a < count; a++)
                {
                    string name = CString(elf, strtab + U32(elf, aux + 8));
                    if (name == version)
                    {
                        ushort flags = (ushort)U16(elf, aux + 4);
                        if ((flags & VerFlagWeak) != 0) return PatchResult.AlreadyWeak;
                        flags |= VerFlagWeak;
                        elf[aux + 4] = (byte)flags;
                        elf[aux + 5] = (byte)(flags >> 8);
                        return PatchResult.Patched;
                    }
                    uint nextAux = U32(elf, aux + 12);
                    if (nextAux == 0) break;
                    aux += nextAux;
                }
                uint next = U32(elf, need + 12);
                if (next == 0) break;
                need += next;
            }
        }
        return PatchResult.NotNeeded;
    }

    static int U16(byte[] b, long o) => b[o] | (b[o + 1] << 8);
    static uint U32(byte[] b, long o) => (uint)(b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24));
    static ulong U64(byte[] b, long o) => U32(b, o) | ((ulong)U32(b, o + 4) << 32);

    static string CString(byte[] b, long o)
    {
        long end = o;
        while (b[end] != 0) end++;
        return Encoding.ASCII.GetString(b, (int)o, (int)(end - o));
    }

    static bool Contains(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i <= haystack.Length - needle.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j]) j++;
            if (j == needle.Length) return true;
        }
        return false;
    }
}
