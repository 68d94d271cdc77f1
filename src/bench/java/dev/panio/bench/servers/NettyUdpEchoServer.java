package dev.panio.bench.servers;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.uring.IoUringDatagramChannel;
import io.netty.channel.uring.IoUringIoHandler;
import java.net.InetSocketAddress;

/**
 * UDP echo on Netty 4.2 with one event loop on its epoll or io_uring transport: each
 * datagram written back to its sender, one flush per read batch. With {@code sink},
 * datagrams are counted, not answered, but for a query ('?' first), which gets the count
 * (8 bytes, big-endian). Usage: {@code NettyUdpEchoServer epoll|io_uring PORT [sink]}.
 */
public final class NettyUdpEchoServer {
    public static void main(String[] args) throws Exception {
        boolean uring = args[0].equals("io_uring");
        int port = Integer.parseInt(args[1]);
        boolean sink = args.length > 2 && args[2].equals("sink");
        long[] received = {0};
        IoHandlerFactory io = uring ? IoUringIoHandler.newFactory() : EpollIoHandler.newFactory();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, io);
        try {
            Bootstrap b = new Bootstrap().group(group)
                    .channel(uring ? IoUringDatagramChannel.class : EpollDatagramChannel.class)
                    .option(ChannelOption.SO_RCVBUF, 4 << 20)
                    .handler(new SimpleChannelInboundHandler<DatagramPacket>(false) {
                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
                            if (!sink) {
                                ctx.write(new DatagramPacket(p.content(), p.sender()), ctx.voidPromise());
                            } else if (p.content().isReadable() && p.content().getByte(p.content().readerIndex()) == '?') {
                                p.release();
                                ctx.write(new DatagramPacket(ctx.alloc().directBuffer(8).writeLong(received[0]), p.sender()), ctx.voidPromise());
                            } else {
                                received[0]++;
                                p.release();
                            }
                        }

                        @Override
                        public void channelReadComplete(ChannelHandlerContext ctx) {
                            ctx.flush();
                        }
                    });
            Channel ch = b.bind(new InetSocketAddress("127.0.0.1", port)).sync().channel();
            System.out.println("netty " + args[0] + " udp " + (sink ? "sink" : "echo") + " on 127.0.0.1:" + port);
            ch.closeFuture().sync();
        } finally {
            group.shutdownGracefully();
        }
    }
}
