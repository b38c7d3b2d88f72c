using WebApi;

namespace BitNet.WebApi.Tests;

/// <summary>samples/WebApi starts only on loopback addresses.</summary>
public sealed class LoopbackUrlsTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("http://127.0.0.1:5080")]
    [InlineData("http://localhost:5080")]
    [InlineData("http://[::1]:5080")]
    [InlineData("http://127.0.0.1:5080; http://[::1]:5081")]
    public void LoopbackUrls_AreAccepted(string? urls) => Assert.Null(LoopbackUrls.FindNonLoopback(urls));

    [Theory]
    [InlineData("http://0.0.0.0:5080", "http://0.0.0.0:5080")]
    [InlineData("http://*:5080", "http://*:5080")]
    [InlineData("http://+:5080", "http://+:5080")]
    [InlineData("http://[::]:5080", "http://[::]:5080")]
    [InlineData("http://127.0.0.1:5080;http://192.168.1.10:5080", "http://192.168.1.10:5080")]
    [InlineData("http://example.com:5080", "http://example.com:5080")]
    public void OtherAddresses_AreNamed(string urls, string refused) => Assert.Equal(refused, LoopbackUrls.FindNonLoopback(urls));
}
