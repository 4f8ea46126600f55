namespace WangJian.Credit.Testing;

/// <summary>A fresh directory under the system temp folder, removed (best effort) when disposed.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir(string purpose)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "wj-credit-" + purpose, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public override string ToString() => Path;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A server process may still hold a file for a moment; the OS cleans temp eventually.
        }
    }
}
