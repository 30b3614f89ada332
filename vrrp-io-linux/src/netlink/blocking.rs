//! One-shot, blocking rtnetlink requests for start-up: a private socket, one
//! request, read until the kernel says it is done.

use std::time::Duration;

use netlink_sys::constants::NETLINK_ROUTE;
use netlink_sys::{Socket, SocketAddr};
use rtnetlink::packet_core::{
    NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST, NetlinkMessage, NetlinkPayload,
};
use rtnetlink::packet_route::RouteNetlinkMessage;

use super::{NetlinkError, RECV_BUFFER_LEN, for_each_message};

/// How long to wait for the kernel before giving up: it answers in
/// microseconds, so this only guards against a wedged socket.
const REPLY_TIMEOUT: Duration = Duration::from_secs(5);

/// The shape of the answer a request gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// One object (or an error), then an ack.
    Single,
    /// Many objects, then `NLMSG_DONE`.
    Dump,
}

/// Sends `message` on a fresh blocking socket and returns the objects the
/// kernel answers with. A kernel error becomes [`NetlinkError::Refused`].
pub(super) fn request(
    message: RouteNetlinkMessage,
    kind: Kind,
) -> Result<Vec<RouteNetlinkMessage>, NetlinkError> {
    let mut socket = Socket::new(NETLINK_ROUTE).map_err(NetlinkError::Open)?;
    socket
        .bind(&SocketAddr::new(0, 0))
        .map_err(NetlinkError::Open)?;
    // Strict checking makes the kernel filter dumps by the header's fields
    // (e.g. one interface's addresses). Old kernels ignore the filter; the
    // callers filter again.
    let _ = socket.set_netlink_get_strict_chk(true);
    socket2::SockRef::from(&socket)
        .set_read_timeout(Some(REPLY_TIMEOUT))
        .map_err(NetlinkError::Open)?;

    const SEQ: u32 = 1;
    let mut request = NetlinkMessage::from(message);
    request.header.flags = NLM_F_REQUEST
        | match kind {
            Kind::Single => NLM_F_ACK,
            Kind::Dump => NLM_F_DUMP,
        };
    request.header.sequence_number = SEQ;
    request.finalize();
    let mut buffer = vec![0; request.buffer_len()];
    request.serialize(&mut buffer);
    socket
        .send_to(&buffer, &SocketAddr::new(0, 0), 0)
        .map_err(NetlinkError::Send)?;

    let mut replies = Vec::new();
    let mut buffer = Vec::with_capacity(RECV_BUFFER_LEN);
    let mut outcome = None;
    while outcome.is_none() {
        buffer.clear();
        match socket.recv(&mut buffer, 0) {
            Ok(_) => {}
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(NetlinkError::Receive(error)),
        }
        for_each_message(&buffer, |reply| {
            if reply.header.sequence_number != SEQ || outcome.is_some() {
                return;
            }
            match reply.payload {
                NetlinkPayload::InnerMessage(inner) => replies.push(inner),
                NetlinkPayload::Done(_) => outcome = Some(Ok(())),
                NetlinkPayload::Error(error) => {
                    outcome = Some(match error.code {
                        None => Ok(()),
                        Some(_) => Err(NetlinkError::Refused(error.to_io())),
                    })
                }
                _ => {}
            }
        });
    }
    outcome.unwrap_or(Ok(())).map(|()| replies)
}
