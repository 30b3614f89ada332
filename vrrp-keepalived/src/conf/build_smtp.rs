//! `global_defs`' e-mail keywords into [`Smtp`].

use std::net::{IpAddr, SocketAddr};

use super::error::{ConfigError, Spanned};
use super::model::Smtp;
use super::parser::Node;
use super::values::{Ctx, bad, missing, number_in};

/// SMTP's port when `smtp_server` names none.
const SMTP_PORT: u16 = 25;

/// Reads `node` if `keyword` is one of the e-mail keywords, into `smtp`.
/// Returns whether it was one.
pub(crate) fn smtp_setting(
    ctx: &mut Ctx<'_>,
    node: &Node,
    keyword: &str,
    smtp: &mut Smtp,
) -> Result<bool, ConfigError> {
    match keyword {
        "smtp_server" => smtp.server = Some(server(ctx, node)?),
        "smtp_helo_name" => smtp.helo_name = Some(ctx.string(node, "a host name")?.value),
        "smtp_connect_timeout" => smtp.connect_timeout = Some(ctx.whole_seconds(node)?),
        "notification_email_from" => {
            smtp.from = Some(ctx.string(node, "an e-mail address")?.value);
        }
        "notification_email" => {
            // A block of addresses, one or more per line.
            for line in ctx.block(node)? {
                ctx.no_block(line)?;
                smtp.to.push(line.keyword.clone());
                smtp.to.extend(line.args.iter().map(|a| a.text.clone()));
            }
        }
        "smtp_alert" => smtp.alert = Some(ctx.bool_flag(node)?),
        "smtp_alert_vrrp" => smtp.alert_vrrp = Some(ctx.bool_flag(node)?),
        "no_email_faults" => smtp.no_email_faults = ctx.flag(node)?,
        _ => return Ok(false),
    }
    Ok(true)
}

/// `smtp_server ADDR [PORT]`.
fn server(ctx: &mut Ctx<'_>, node: &Node) -> Result<Spanned<SocketAddr>, ConfigError> {
    ctx.no_block(node)?;
    let expected = "an IPv4 or IPv6 address";
    let arg = node.args.first().ok_or_else(|| missing(node, expected))?;
    let ip: IpAddr = arg.text.parse().map_err(|_| bad(node, arg, expected))?;
    let port = match node.args.get(1) {
        None => SMTP_PORT,
        Some(arg) => {
            let port = number_in(node, arg, 1, u16::MAX.into())?;
            u16::try_from(port).map_err(|_| bad(node, arg, "a port 1..65535"))?
        }
    };
    ctx.extra_args(node, 2);
    Ok(Spanned::new(SocketAddr::new(ip, port), arg.at.clone()))
}

#[cfg(test)]
mod tests {
    use crate::conf::test_support::{instance, load};

    #[test]
    fn the_mail_settings_and_who_sends_alerts() {
        let body = format!(
            "global_defs {{\n notification_email {{\n  ops@example.org\n  a@example.org b@example.org\n }}\n \
             notification_email_from lb1@example.org\n smtp_server 192.0.2.25 2525\n \
             smtp_helo_name lb1\n smtp_connect_timeout 5\n smtp_alert_vrrp\n no_email_faults\n}}\n{}",
            instance("A", 1, " smtp_alert off\n")
        );
        let loaded = load(&body).unwrap();
        let smtp = &loaded.config.global.smtp;
        assert_eq!(
            smtp.to,
            ["ops@example.org", "a@example.org", "b@example.org"]
        );
        assert_eq!(smtp.from.as_deref(), Some("lb1@example.org"));
        assert_eq!(
            smtp.server.as_ref().map(|s| s.value.to_string()).as_deref(),
            Some("192.0.2.25:2525")
        );
        assert_eq!(smtp.helo_name.as_deref(), Some("lb1"));
        assert_eq!(
            smtp.connect_timeout,
            Some(std::time::Duration::from_secs(5))
        );
        assert_eq!((smtp.alert, smtp.alert_vrrp), (None, Some(true)));
        assert!(smtp.no_email_faults);
        assert_eq!(loaded.config.instances[0].smtp_alert, Some(false));
        assert!(
            !loaded
                .warnings
                .iter()
                .any(|w| w.message.contains("smtp") || w.message.contains("notification_email")),
            "{:?}",
            loaded.warnings
        );
    }
}
