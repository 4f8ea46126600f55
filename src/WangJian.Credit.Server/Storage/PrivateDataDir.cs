using System.Runtime.InteropServices;
using WangJian.Credit.Server.Startup;

namespace WangJian.Credit.Server.Storage;

/// <summary>
/// The data directory holds the embedded store, its password and the dev tokens: only its owner may read
/// it. The directory is made 0700, anything already in it loses its group and other bits (files written by
/// earlier versions were 0644), and the process umask becomes 077, so that the files Garnet creates later
/// (log segments, checkpoints; it offers no file mode of its own) are owner-only from their first instant.
/// </summary>
public static class PrivateDataDir
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private const UnixFileMode GroupAndOthers =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Creates or restricts <paramref name="dataDir"/>; returns its full path.</summary>
    public static string Prepare(string dataDir)
    {
        dataDir = Path.GetFullPath(dataDir);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(dataDir);
            return dataDir;
        }

        _ = SetUmask(Convert.ToUInt32("077", 8));
        try
        {
            Directory.CreateDirectory(dataDir, OwnerOnly);
            File.SetUnixFileMode(dataDir, OwnerOnly);
            foreach (var entry in new DirectoryInfo(dataDir).EnumerateFileSystemInfos("*", SearchOption.AllDirectories))
            {
                if ((entry.UnixFileMode & GroupAndOthers) != 0)
                {
                    entry.UnixFileMode &= ~GroupAndOthers;
                }
            }
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new StartupException($"data directory {dataDir} cannot be made private to its owner: {e.Message}", "Storage:DataDir", e);
        }

        return dataDir;
    }

    // A plain DllImport: LibraryImport would need unsafe code for one blittable uint.
#pragma warning disable SYSLIB1054
    [DllImport("libc", EntryPoint = "umask")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern uint SetUmask(uint mask);
#pragma warning restore SYSLIB1054
}
