namespace WangJian.Credit.Grains;

/// <summary>Names of the Orleans storage providers the grains use.</summary>
public static class StorageNames
{
    public const string Credit = "credit";
}
