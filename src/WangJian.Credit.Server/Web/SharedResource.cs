namespace WangJian.Credit.Server.Web;

/// <summary>
/// The console's labels: SharedResource.resx (Chinese, the default) and SharedResource.en.resx (English),
/// read through IStringLocalizer&lt;SharedResource&gt;.
/// </summary>
public sealed class SharedResource
{
}
