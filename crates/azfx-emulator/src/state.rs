//! Everything the emulator knows, behind one lock: accounts and their shares, identities,
//! role assignments, token policy and injected faults. Handlers lock briefly, decide, and
//! do file IO after unlocking. `Control` is the public handle tests and flags use.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::blob::Blobs;
use super::model::{Fault, FaultTarget, Identity, Role, RoleAssignment, Scope, stable_guid};
use super::store::{ContentHeaders, EtagClock, IdSource, Share, StoreError};
use super::token;

/// What went wrong with a control call.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// No account of that name.
    #[error("no storage account named {0:?}")]
    UnknownAccount(String),
    /// No share of that name.
    #[error("no share named {0:?}")]
    UnknownShare(String),
    /// No identity with that object id.
    #[error("no identity with object id {0:?}")]
    UnknownIdentity(String),
    /// The namespace refused the change.
    #[error("the share refused the change: {0:?}")]
    Store(StoreError),
    /// Writing file bytes failed.
    #[error("could not write file bytes: {0}")]
    Io(#[from] std::io::Error),
}

/// One storage account.
#[derive(Debug)]
pub(crate) struct Account {
    /// Tenant the account trusts tokens from.
    pub tenant_id: String,
    /// Shared Key secret.
    pub key: Vec<u8>,
    /// Whether the account's firewall denies this client (403 `AuthorizationFailure`).
    pub network_deny: bool,
    /// Shares by name.
    pub shares: BTreeMap<String, Share>,
    /// Where Azure Resource Manager has it.
    pub placement: super::model::Placement,
    /// How SMB clients authenticate to it (ARM's `azureFilesIdentityBasedAuthentication`).
    pub smb: super::model::SmbAuth,
    /// `allowSharedKeyAccess`: whether the account key, and SAS signed with it, are
    /// accepted (403 `KeyBasedAuthenticationNotPermitted` otherwise).
    pub shared_key_access: bool,
}

/// The resource group accounts are placed in unless `Control::place_account` says otherwise.
pub(crate) const DEFAULT_RESOURCE_GROUP: &str = "azfx-demo";
/// The display name of the subscription every emulator starts with.
pub(crate) const DEFAULT_SUBSCRIPTION_NAME: &str = "azfx demo";

/// Random and scheduled faults.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    /// Faults to apply to the next matching requests, in order; each after letting the
    /// given number of matching requests through first.
    pub scheduled: VecDeque<(FaultTarget, Fault, usize)>,
    /// Probability of failing any Files request with `rate_status`.
    pub rate: f64,
    /// Status used for random failures.
    pub rate_status: u16,
    /// `Retry-After` seconds sent with random failures.
    pub rate_retry_after_secs: Option<u32>,
    /// Random failures are a mix (`Control::set_fault_mix`) rather than one status.
    pub mix: bool,
    /// Delay added before every Files answer.
    pub latency: Duration,
    /// Get File Properties calls a new Copy File is reported `pending` for.
    pub copy_pending_polls: u32,
    /// Copy File operations still to end `failed` (as a copy whose source vanished).
    pub copy_failures: usize,
    /// Resource Manager requests still to answer 429 (read throttling).
    pub arm_throttled: usize,
}

/// Mutable emulator state.
#[derive(Debug)]
pub(crate) struct Inner {
    /// Accounts by name.
    pub accounts: BTreeMap<String, Account>,
    /// Identities known to the tenant.
    pub identities: Vec<Identity>,
    /// Role assignments.
    pub assignments: Vec<RoleAssignment>,
    /// Default token lifetime.
    pub token_lifetime: Duration,
    /// Tokens issued at or before this Unix time are rejected as expired.
    pub revoked_through: Option<i64>,
    /// Injected faults.
    pub faults: Faults,
    /// Tokens issued, by identity object id.
    pub tokens_issued: HashMap<String, u64>,
    /// Subscriptions by id, with their display names.
    pub subscriptions: BTreeMap<String, String>,
    /// Most entries one ARM list page holds before a `nextLink`.
    pub arm_page_size: usize,
    /// Entra groups: group object id → member object ids.
    pub group_members: BTreeMap<String, std::collections::BTreeSet<String>>,
    /// The VM's name (its ARM resource is in the demo subscription's default group).
    pub vm_name: String,
    /// Seconds a new role assignment takes before the file service honours it (Azure:
    /// up to about 10 minutes; 0, the default, applies it at once).
    pub role_propagation_secs: i64,
}

impl Inner {
    /// The object ids a principal acts as: its own and its groups'.
    pub(crate) fn principal_ids(&self, object_id: &str) -> Vec<String> {
        let mut ids = vec![object_id.to_owned()];
        ids.extend(self.group_members.iter().filter(|(_, m)| m.contains(object_id)).map(|(g, _)| g.clone()));
        ids
    }
}

/// Shared emulator state.
#[derive(Debug)]
pub(crate) struct State {
    /// Key tokens are signed with.
    pub signing_key: [u8; 32],
    /// Tenant of the identities.
    pub tenant_id: String,
    /// Secret the App Service endpoint expects in `X-IDENTITY-HEADER`.
    pub app_service_secret: String,
    /// File id source.
    pub ids: IdSource,
    /// `ETag` clock.
    pub clock: EtagClock,
    /// File bytes.
    pub blobs: Arc<Blobs>,
    /// Files requests served (all outcomes).
    pub files_requests: AtomicU64,
    /// Bytes accepted by Put Range (counted when the body has arrived).
    pub bytes_received: AtomicU64,
    /// Bytes Get File answered with (counted when the answer starts).
    pub bytes_served: AtomicU64,
    /// Identity-endpoint requests served (all outcomes).
    pub identity_requests: AtomicU64,
    /// Requests of every kind (Files, identity, Resource Manager) that reached the
    /// emulator, whatever their outcome.
    pub all_requests: AtomicU64,
    /// Files requests being served at once.
    pub in_flight: super::load::InFlight,
    /// Put Range answers carry `Content-MD5` (`EmulatorConfig::range_md5`).
    pub range_md5: bool,
    /// Seconds added to the system clock when issuing and checking tokens
    /// (`Control::advance_token_clock`), so tests can pass token lifetimes without sleeping.
    token_clock_offset_secs: std::sync::atomic::AtomicI64,
    inner: Mutex<Inner>,
}

impl State {
    /// Now, in Unix seconds, as tokens are issued and checked (the system clock plus the
    /// offset tests set).
    pub(crate) fn token_now(&self) -> i64 {
        time::OffsetDateTime::now_utc().unix_timestamp()
            + self.token_clock_offset_secs.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Fresh state with no accounts or identities.
    pub(crate) fn new(blob_dir: &std::path::Path, token_lifetime: Duration) -> std::io::Result<Self> {
        Ok(Self {
            signing_key: rand::random(),
            tenant_id: stable_guid("tenant", "azfx-emulator"),
            app_service_secret: uuid::Uuid::new_v4().to_string(),
            ids: IdSource::default(),
            clock: EtagClock::default(),
            blobs: Arc::new(Blobs::new(blob_dir)?),
            files_requests: AtomicU64::new(0),
            bytes_received: AtomicU64::new(0),
            bytes_served: AtomicU64::new(0),
            identity_requests: AtomicU64::new(0),
            all_requests: AtomicU64::new(0),
            in_flight: super::load::InFlight::default(),
            range_md5: true,
            token_clock_offset_secs: std::sync::atomic::AtomicI64::new(0),
            inner: Mutex::new(Inner {
                accounts: BTreeMap::new(),
                identities: Vec::new(),
                assignments: Vec::new(),
                token_lifetime,
                revoked_through: None,
                faults: Faults::default(),
                tokens_issued: HashMap::new(),
                subscriptions: BTreeMap::from([(
                    super::model::DEMO_SUBSCRIPTION.to_owned(),
                    DEFAULT_SUBSCRIPTION_NAME.to_owned(),
                )]),
                arm_page_size: 100,
                group_members: BTreeMap::new(),
                vm_name: "jumpbox-01".to_owned(),
                role_propagation_secs: 0,
            }),
        })
    }

    /// Locks the state. A panic while holding the lock leaves plain data behind, so a
    /// poisoned lock is still usable.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Revokes every token issued up to this second (tokens are told apart by their `iat`
    /// second; one issued after a revocation in the same second carries the next second,
    /// see `identity`, and stays valid).
    pub(crate) fn revoke_all_issued(&self) {
        let now = self.token_now();
        self.lock().revoked_through = Some(now);
    }

    /// Takes the next scheduled fault for `target` when it is a stall (answered by
    /// holding the request, before anything else is read of it): its seconds.
    pub(crate) fn take_stall(&self, target: FaultTarget) -> Option<u32> {
        let mut inner = self.lock();
        let pos = inner.faults.scheduled.iter().position(|(t, _, _)| *t == target)?;
        match inner.faults.scheduled.get(pos) {
            Some((_, Fault::Stall { secs }, 0)) => {
                let secs = *secs;
                inner.faults.scheduled.remove(pos);
                Some(secs)
            }
            _ => None,
        }
    }

    /// Takes the next scheduled fault for `target`, or a random one by the fault rate.
    /// A mid-body reset is only taken by a request with a body to break (`streams_body`).
    pub(crate) fn take_fault(&self, target: FaultTarget, streams_body: bool) -> Option<Fault> {
        let mut inner = self.lock();
        let applies = |(t, fault, _): &(FaultTarget, Fault, usize)| {
            *t == target && (streams_body || !matches!(fault, Fault::ResetMidBody { .. }))
        };
        if let Some(pos) = inner.faults.scheduled.iter().position(applies) {
            // A fault scheduled after `skip` requests lets this one through.
            if let Some((_, _, skip)) = inner.faults.scheduled.get_mut(pos)
                && *skip > 0
            {
                *skip -= 1;
                return None;
            }
            return inner.faults.scheduled.remove(pos).map(|(_, fault, _)| fault);
        }
        if target == FaultTarget::Files && inner.faults.rate > 0.0 && rand::random::<f64>() < inner.faults.rate {
            let status = Fault::Status {
                status: inner.faults.rate_status,
                retry_after_secs: inner.faults.rate_retry_after_secs,
            };
            if !inner.faults.mix {
                return Some(status);
            }
            // A 503 on a Put Range is answered from its headers, before the body arrives.
            return Some(match rand::random_range(0..3) {
                0 if streams_body => Fault::ResetMidBody { after_bytes: rand::random_range(0..65_536) },
                1 => Fault::RevokeTokens,
                _ => status,
            });
        }
        None
    }
}

/// Handle to change a running emulator: accounts, shares, identities, roles, token policy
/// and faults. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Control {
    pub(crate) state: Arc<State>,
}

impl Control {
    fn with_share<T>(
        &self,
        account: &str,
        share: &str,
        f: impl FnOnce(&mut Share, &State) -> Result<T, StoreError>,
    ) -> Result<T, ControlError> {
        let mut inner = self.state.lock();
        let acct = inner.accounts.get_mut(account).ok_or_else(|| ControlError::UnknownAccount(account.to_owned()))?;
        let share_ref = acct.shares.get_mut(share).ok_or_else(|| ControlError::UnknownShare(share.to_owned()))?;
        f(share_ref, &self.state).map_err(ControlError::Store)
    }

    /// Adds a storage account trusting the emulator's tenant.
    pub fn add_account(&self, name: &str) {
        let tenant = self.state.tenant_id.clone();
        self.add_account_in_tenant(name, &tenant);
    }

    /// Adds a storage account that trusts tokens of another tenant only.
    pub fn add_account_in_tenant(&self, name: &str, tenant_id: &str) {
        let key: [u8; 64] = std::array::from_fn(|_| rand::random());
        self.state.lock().accounts.entry(name.to_owned()).or_insert_with(|| Account {
            tenant_id: tenant_id.to_owned(),
            key: key.to_vec(),
            network_deny: false,
            shares: BTreeMap::new(),
            placement: super::model::Placement {
                subscription: super::model::DEMO_SUBSCRIPTION.to_owned(),
                resource_group: DEFAULT_RESOURCE_GROUP.to_owned(),
            },
            smb: super::model::SmbAuth::default(),
            shared_key_access: true,
        });
    }

    /// Adds a subscription (ARM lists it to identities with a role in it).
    pub fn add_subscription(&self, id: &str, display_name: &str) {
        self.state.lock().subscriptions.insert(id.to_owned(), display_name.to_owned());
    }

    /// Places an account in a subscription and resource group.
    ///
    /// Errors: no such account.
    pub fn place_account(&self, account: &str, subscription: &str, resource_group: &str) -> Result<(), ControlError> {
        let mut inner = self.state.lock();
        let entry = inner.accounts.get_mut(account).ok_or_else(|| ControlError::UnknownAccount(account.to_owned()))?;
        entry.placement = super::model::Placement {
            subscription: subscription.to_owned(),
            resource_group: resource_group.to_owned(),
        };
        Ok(())
    }

    /// Makes the next `count` Resource Manager requests answer 429
    /// `SubscriptionRequestsThrottled` with `Retry-After: 1`, as ARM does when a
    /// principal's read budget is spent.
    pub fn throttle_arm(&self, count: usize) {
        self.state.lock().faults.arm_throttled = count;
    }

    /// Entries per ARM list page (a small value makes every list page with `nextLink`).
    pub fn set_arm_page_size(&self, entries: usize) {
        self.state.lock().arm_page_size = entries.max(1);
    }

    /// The account's Shared Key, base64 as the portal shows it.
    pub fn account_key(&self, account: &str) -> Option<String> {
        self.state.lock().accounts.get(account).map(|a| STANDARD.encode(&a.key))
    }

    /// The tenant whose tokens the emulator issues.
    pub fn tenant_id(&self) -> String {
        self.state.tenant_id.clone()
    }

    /// Creates a share (no-op if it exists).
    pub fn create_share(&self, account: &str, share: &str, quota_gib: u64) -> Result<(), ControlError> {
        let mut inner = self.state.lock();
        let acct = inner.accounts.get_mut(account).ok_or_else(|| ControlError::UnknownAccount(account.to_owned()))?;
        acct.shares.entry(share.to_owned()).or_insert_with(|| Share::new(share, quota_gib, &self.state.clock));
        Ok(())
    }

    /// Registers an identity; returns its object id.
    pub fn add_identity(&self, identity: Identity) -> String {
        let object_id = identity.object_id.clone();
        let mut inner = self.state.lock();
        inner.identities.retain(|i| i.object_id != object_id);
        inner.identities.push(identity);
        object_id
    }

    /// Every identity, attached or not.
    pub fn identities(&self) -> Vec<Identity> {
        self.state.lock().identities.clone()
    }

    /// Gives `role` to the principal `object_id` at `scope`.
    pub fn assign_role(&self, object_id: &str, role: Role, scope: Scope) {
        let created = time::OffsetDateTime::now_utc().unix_timestamp();
        self.assign_role_at(object_id, role, scope, created);
    }

    /// Assigns a role as if it had been made at `created` (Unix seconds), e.g. a minute
    /// ago, still within Azure's propagation delay.
    pub fn assign_role_at(&self, object_id: &str, role: Role, scope: Scope, created: i64) {
        let id = uuid::Uuid::new_v4().to_string();
        self.state.lock().assignments.push(RoleAssignment {
            object_id: object_id.to_owned(),
            role,
            scope,
            id,
            created,
        });
    }

    /// Replaces a principal's role assignments with `assignments` as they were (ids and
    /// creation times kept), e.g. after a drill removed them.
    pub fn restore_assignments(&self, object_id: &str, assignments: Vec<RoleAssignment>) {
        let mut inner = self.state.lock();
        inner.assignments.retain(|a| a.object_id != object_id);
        inner.assignments.extend(assignments);
    }

    /// Makes `member` (an identity's object id) a member of the Entra group `group`: roles
    /// assigned to the group apply to it.
    pub fn add_group_member(&self, group: &str, member: &str) {
        self.state.lock().group_members.entry(group.to_owned()).or_default().insert(member.to_owned());
    }

    /// Removes every role assignment of a principal.
    pub fn remove_role_assignments(&self, object_id: &str) {
        self.state.lock().assignments.retain(|a| a.object_id != object_id);
    }

    /// Role assignments of a principal.
    pub fn role_assignments(&self, object_id: &str) -> Vec<RoleAssignment> {
        self.state.lock().assignments.iter().filter(|a| a.object_id == object_id).cloned().collect()
    }

    /// Sets the lifetime of tokens issued from now on.
    pub fn set_token_lifetime(&self, lifetime: Duration) {
        self.state.lock().token_lifetime = lifetime;
    }

    /// Makes every token issued so far count as expired.
    pub fn expire_all_tokens(&self) {
        self.state.revoke_all_issued();
    }

    /// Moves the clock tokens are issued and checked by `secs` seconds ahead (tokens
    /// expire, revocations fall behind) without waiting.
    pub fn advance_token_clock(&self, secs: i64) {
        self.state.token_clock_offset_secs.fetch_add(secs, std::sync::atomic::Ordering::Relaxed);
    }

    /// Turns the account's firewall on or off for this client.
    pub fn set_network_deny(&self, account: &str, deny: bool) -> Result<(), ControlError> {
        let mut inner = self.state.lock();
        let acct = inner.accounts.get_mut(account).ok_or_else(|| ControlError::UnknownAccount(account.to_owned()))?;
        acct.network_deny = deny;
        Ok(())
    }

    /// Throttles every request to a share (503 `ServerBusy`).
    pub fn set_share_throttled(&self, account: &str, share: &str, throttled: bool) -> Result<(), ControlError> {
        self.with_share(account, share, |s, _| {
            s.throttled = throttled;
            Ok(())
        })
    }

    /// Applies `fault` to the next `count` requests of `target`.
    pub fn inject(&self, target: FaultTarget, fault: &Fault, count: usize) {
        self.inject_after(target, fault, 0, count);
    }

    /// Lets `skip` requests of `target` through, then applies `fault` to the next `count`
    /// (e.g. a reset on the third page of a listing: `Listing`, skip 2).
    pub fn inject_after(&self, target: FaultTarget, fault: &Fault, skip: usize, count: usize) {
        let mut inner = self.state.lock();
        for n in 0..count {
            inner.faults.scheduled.push_back((target, fault.clone(), if n == 0 { skip } else { 0 }));
        }
    }

    /// Drops the faults `inject` scheduled that have not happened yet.
    pub fn clear_faults(&self) {
        self.state.lock().faults.scheduled.clear();
    }

    /// Fails this fraction of Files requests with a mix of the failures a flaky link and a
    /// busy service produce: 503 `ServerBusy` with `Retry-After` (answered from the
    /// headers, so a Put Range's body is cut short), a connection reset part way through a
    /// Get File body, and a revocation of every token issued so far (401 until the client
    /// gets a new one). 0.0 turns it off.
    pub fn set_fault_mix(&self, rate: f64, retry_after_secs: Option<u32>) {
        self.set_fault_rate(rate, 503, retry_after_secs);
        self.state.lock().faults.mix = true;
    }

    /// Fails this fraction of Files requests with `status` (0.0 turns it off).
    pub fn set_fault_rate(&self, rate: f64, status: u16, retry_after_secs: Option<u32>) {
        let mut inner = self.state.lock();
        inner.faults.rate = rate.clamp(0.0, 1.0);
        inner.faults.rate_status = status;
        inner.faults.rate_retry_after_secs = retry_after_secs;
        inner.faults.mix = false;
    }

    /// Makes each Copy File report `pending` for the next `polls` Get File Properties
    /// calls before it ends, as a large copy does on the service.
    pub fn set_copy_pending_polls(&self, polls: u32) {
        self.state.lock().faults.copy_pending_polls = polls;
    }

    /// Makes the next `count` Copy File operations end `failed`, their destination left
    /// with whatever bytes arrived (zeros here), as the service does.
    pub fn fail_next_copies(&self, count: usize) {
        self.state.lock().faults.copy_failures = count;
    }

    /// Delays every Files answer.
    pub fn set_latency(&self, latency: Duration) {
        self.state.lock().faults.latency = latency;
    }

    /// The secret the App Service endpoint expects (`IDENTITY_HEADER`).
    pub fn app_service_secret(&self) -> String {
        self.state.app_service_secret.clone()
    }

    /// Issues a token for an identity directly (tests: expired or not-yet-valid tokens).
    /// It becomes valid `valid_from_secs` from now (negative: in the past) and lives
    /// `lifetime_secs` from then.
    pub fn mint_token(
        &self,
        object_id: &str,
        resource: &str,
        valid_from_secs: i64,
        lifetime_secs: i64,
    ) -> Result<String, ControlError> {
        let identity = self
            .identities()
            .into_iter()
            .find(|i| i.object_id == object_id)
            .ok_or_else(|| ControlError::UnknownIdentity(object_id.to_owned()))?;
        let issued_at = self.state.token_now() + valid_from_secs;
        let claims = token::claims(&identity, &self.state.tenant_id, resource, issued_at, issued_at + lifetime_secs);
        Ok(token::mint(&self.state.signing_key, &claims))
    }

    /// Creates a directory and any missing parents (`a/b/c`).
    pub fn create_directories(&self, account: &str, share: &str, path: &str) -> Result<(), ControlError> {
        let parts = split_path(path);
        self.with_share(account, share, |s, state| {
            for depth in 1..=parts.len() {
                match s.create_directory(&parts[..depth], &state.ids, &state.clock) {
                    Ok(_) | Err(StoreError::AlreadyExists) => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(())
        })
    }

    /// Creates a file of `size` bytes that reads as zeros (no disk used), and any
    /// missing parent directories.
    pub fn create_sparse_file(&self, account: &str, share: &str, path: &str, size: u64) -> Result<u64, ControlError> {
        let parts = split_path(path);
        if parts.len() > 1 {
            self.create_directories(account, share, &parts[..parts.len() - 1].join("/"))?;
        }
        let (id, replaced) = self.with_share(account, share, |s, state| {
            s.create_file(&parts, size, ContentHeaders::default(), &state.ids, &state.clock)
        })?;
        if let Some(old) = replaced {
            let _ = std::fs::remove_file(self.blob_path(old));
        }
        Ok(id)
    }

    /// Creates a file with these bytes (and missing parents). Blocking file IO: for test
    /// and demo setup.
    pub fn put_file(&self, account: &str, share: &str, path: &str, data: &[u8]) -> Result<(), ControlError> {
        let id = self.create_sparse_file(account, share, path, data.len() as u64)?;
        std::fs::write(self.blob_path(id), data)?;
        Ok(())
    }

    fn blob_path(&self, id: u64) -> PathBuf {
        self.state.blobs.path_of(id)
    }

    /// Names in a directory of a share (`""` for its root), in the service's order; what
    /// tests check against after the window or the CLI changed something.
    pub fn list(&self, account: &str, share: &str, path: &str) -> Result<Vec<String>, ControlError> {
        self.with_share(account, share, |s, _| {
            let dir = s.resolve(&split_path(path))?;
            Ok(s.list(dir, "", None, usize::MAX).0.into_iter().map(|node| node.name.clone()).collect())
        })
    }

    /// Number of entries in a share (files and directories).
    pub fn entry_count(&self, account: &str, share: &str) -> Result<usize, ControlError> {
        self.with_share(account, share, |s, _| Ok(s.entry_count()))
    }
}

/// Splits `a/b/c` into components, ignoring empty ones.
pub(crate) fn split_path(path: &str) -> Vec<String> {
    path.split('/').filter(|p| !p.is_empty()).map(str::to_owned).collect()
}
