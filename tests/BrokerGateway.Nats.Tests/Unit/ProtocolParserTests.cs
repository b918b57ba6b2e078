using System.Text;
using BrokerGateway.Nats.Internal;

namespace BrokerGateway.Nats.Tests.Unit;

public class ProtocolParserTests
{
    static (ServerOp Op, int Consumed) Parse(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        Assert.True(ProtocolParser.TryParse(bytes, out var op, out var consumed, out _));
        return (op, consumed);
    }

    static string Slice(string text, int start, int length) => Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text), start, length);

    [Fact]
    public void Msg_WithoutReply_ExposesSubjectSidAndPayload()
    {
        const string text = "MSG foo.bar 9 5\r\nhello\r\n";
        var (op, consumed) = Parse(text);
        Assert.Equal(ServerOpKind.Msg, op.Kind);
        Assert.Equal("foo.bar", Slice(text, op.SubjectStart, op.SubjectLength));
        Assert.Equal(9, op.Sid);
        Assert.Equal(-1, op.ReplyStart);
        Assert.Equal("hello", Slice(text, op.PayloadStart, op.TotalLength));
        Assert.Equal(text.Length, consumed);
    }

    [Fact]
    public void Msg_WithReply_AndTabsAndRunsOfSpaces_IsSplitOnWhitespaceRuns()
    {
        const string text = "msg\tfoo   12 \t_INBOX.x.1  3\r\nabc\r\n";
        var (op, _) = Parse(text);
        Assert.Equal("foo", Slice(text, op.SubjectStart, op.SubjectLength));
        Assert.Equal(12, op.Sid);
        Assert.Equal("_INBOX.x.1", Slice(text, op.ReplyStart, op.ReplyLength));
        Assert.Equal(3, op.TotalLength);
    }

    [Fact]
    public void Msg_PayloadContainingCrlf_IsTakenByByteCount()
    {
        const string text = "MSG foo 1 6\r\na\r\nb\r\n\r\n";
        var (op, consumed) = Parse(text);
        Assert.Equal("a\r\nb\r\n", Slice(text, op.PayloadStart, op.TotalLength));
        Assert.Equal(text.Length, consumed);
    }

    [Fact]
    public void Msg_EmptyPayload_IsValid()
    {
        var (op, consumed) = Parse("MSG foo 1 0\r\n\r\n");
        Assert.Equal(0, op.TotalLength);
        Assert.Equal(15, consumed);
    }

    [Fact]
    public void HMsg_ExposesHeaderAndTotalLengths()
    {
        const string text = "HMSG foo 7 INBOX.22 22 33\r\nNATS/1.0\r\nBar: Baz\r\n\r\nHello NATS!\r\n";
        var (op, consumed) = Parse(text);
        Assert.Equal(ServerOpKind.HMsg, op.Kind);
        Assert.Equal(22, op.HeaderLength);
        Assert.Equal(33, op.TotalLength);
        Assert.Equal("INBOX.22", Slice(text, op.ReplyStart, op.ReplyLength));
        Assert.Equal("Hello NATS!", Slice(text, op.PayloadStart + 22, 11));
        Assert.Equal(text.Length, consumed);
    }

    [Theory]
    [InlineData("PING\r\n", ServerOpKind.Ping)]
    [InlineData("pong\r\n", ServerOpKind.Pong)]
    [InlineData("+OK\r\n", ServerOpKind.Ok)]
    [InlineData("PING \r\n", ServerOpKind.Ping)]
    public void ControlVerbs_AreRecognised_CaseInsensitively(string text, object kind)
    {
        Assert.Equal((ServerOpKind)kind, Parse(text).Op.Kind);
    }

    [Fact]
    public void Info_WithTrailingSpace_YieldsTheJsonOnly()
    {
        const string text = "INFO {\"server_id\":\"x\",\"max_payload\":1024} \r\n";
        var (op, _) = Parse(text);
        Assert.Equal(ServerOpKind.Info, op.Kind);
        var json = Encoding.UTF8.GetBytes(text).AsSpan(op.ArgStart, op.ArgLength);
        Assert.Equal(1024, NatsServerInfo.Parse(json).MaxPayload);
    }

    [Fact]
    public void Err_YieldsItsText()
    {
        const string text = "-ERR 'Authorization Violation'\r\n";
        var (op, _) = Parse(text);
        Assert.Equal(ServerOpKind.Err, op.Kind);
        Assert.Equal("'Authorization Violation'", Slice(text, op.ArgStart, op.ArgLength));
    }

    [Fact]
    public void EveryCommand_SplitAtEveryByte_ParsesOnlyWhenComplete()
    {
        const string stream = "INFO {\"a\":1}\r\nMSG a.b 1 _R 5\r\nhe\r\no\r\nPING\r\nHMSG x 2 12 14\r\nNATS/1.0\r\n\r\nhi\r\n-ERR 'x'\r\n";
        var bytes = Encoding.UTF8.GetBytes(stream);
        var kinds = new List<ServerOpKind>();
        var start = 0;
        for (var end = 0; end <= bytes.Length; end++)
        {
            while (ProtocolParser.TryParse(bytes.AsSpan(start, end - start), out var op, out var consumed, out _))
            {
                kinds.Add(op.Kind);
                start += consumed;
            }
        }
        Assert.Equal([ServerOpKind.Info, ServerOpKind.Msg, ServerOpKind.Ping, ServerOpKind.HMsg, ServerOpKind.Err], kinds);
        Assert.Equal(bytes.Length, start);
    }

    [Fact]
    public void IncompletePayload_ReportsTheFullFrameSize()
    {
        var bytes = Encoding.UTF8.GetBytes("MSG foo 1 100\r\nabc");
        Assert.False(ProtocolParser.TryParse(bytes, out _, out _, out var needed));
        Assert.Equal(15 + 100 + 2, needed);
    }

    [Theory]
    [InlineData("BOGUS stuff\r\n")]
    [InlineData("MSG foo 1\r\n")]
    [InlineData("MSG foo 1 2 3 4\r\n")]
    [InlineData("MSG foo x 3\r\nabc\r\n")]
    [InlineData("MSG foo 1 -3\r\nabc\r\n")]
    [InlineData("MSG foo 1 3\r\nhello\r\n")]
    [InlineData("HMSG foo 1 20 10\r\n")]
    [InlineData("MSG foo 1 99999999999\r\n")]
    [InlineData("PING\n")]
    [InlineData("\r\n")]
    [InlineData("PINGX\r\n")]
    [InlineData("INFO\r\n")]
    [InlineData("MSGfoo 1 3\r\n")]
    public void MalformedLines_AreProtocolErrors(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        Assert.Throws<NatsProtocolException>(() => ProtocolParser.TryParse(bytes, out _, out _, out _));
    }

    [Fact]
    public void ControlLineOver4096Bytes_IsAProtocolError()
    {
        var bytes = Encoding.ASCII.GetBytes("MSG " + new string('a', 5000));
        var error = Assert.Throws<NatsProtocolException>(() => ProtocolParser.TryParse(bytes, out _, out _, out _));
        Assert.Contains("4096", error.Message);
    }

    [Fact]
    public void ControlLineUnder4096Bytes_WithoutNewline_WaitsForMore()
    {
        var bytes = Encoding.ASCII.GetBytes("MSG " + new string('a', 3000));
        Assert.False(ProtocolParser.TryParse(bytes, out _, out _, out _));
    }
}
