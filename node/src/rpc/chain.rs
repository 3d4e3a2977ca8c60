//! The `Chain` service: status, the draw and votes for voters, templates
//! and block submission for miners, and the transparent state (accounts,
//! tickets, StakingNodes). Request fields are decoded and length-checked
//! before the node is called; every node call runs in a blocking task.

use std::{
    sync::Arc,
    time::{SystemTime, UNIX_EPOCH},
};

use superzk_chain_core::records::{NodeRecord, TicketRecord};
use tonic::{Request, Response, Status};

use super::{
    status::{array32, block, blocking, signature},
    RpcConfig,
};
use crate::{
    forks::Outcome,
    node::Node,
    proto::{
        chain_server::Chain, submit_block_response, AccountInfo, AccountRequest, Balance,
        ConnectedPeer, CurrentDraw, DrawRequest, DrawnTicket, NodeList, NodeStatus, NodesRequest,
        RawBlock, StakingNode, StatusRequest, SubmitBlockResponse, TemplateRequest, Ticket,
        TicketList, TicketsRequest, VoteResponse, VoteSubmission,
    },
    votes::Ballot,
};

/// Tickets listed when the request names no limit.
pub const DEFAULT_TICKETS: usize = 100;
/// Tickets listed at most, whatever the request asks.
pub const MAX_TICKETS: usize = 1_000;

/// The `Chain` service over a node.
#[derive(Clone)]
pub struct ChainService {
    node: Arc<Node>,
    config: RpcConfig,
}

impl ChainService {
    /// Serves `node`; `config` says whether it mines and how many peers it
    /// has.
    pub fn new(node: Arc<Node>, config: RpcConfig) -> Self {
        Self { node, config }
    }
}

fn outcome(o: Outcome) -> submit_block_response::Outcome {
    use submit_block_response::Outcome as O;
    match o {
        Outcome::BestChain => O::BestChain,
        Outcome::SideBranch => O::SideBranch,
        Outcome::Orphan => O::Orphan,
        Outcome::Duplicate => O::Duplicate,
    }
}

fn ticket(id: [u8; 32], t: TicketRecord) -> Ticket {
    Ticket {
        id: id.to_vec(),
        owner: t.owner.to_vec(),
        vote_key: t.vote_key.to_vec(),
        node: t.node.map(|n| n.to_vec()).unwrap_or_default(),
        price: t.price,
        bought_at: t.bought_at,
        mature: t.slot.is_some(),
    }
}

fn staking_node(id: [u8; 32], n: NodeRecord) -> StakingNode {
    StakingNode {
        id: id.to_vec(),
        owner: n.owner.to_vec(),
        vote_key: n.vote_key.to_vec(),
        pledge: n.pledge,
        registered_at: n.registered_at,
        active_tickets: n.active_tickets,
        votes_expected: n.votes_expected,
        votes_cast: n.votes_cast,
        closing: n.closing,
    }
}

/// A ballot as a drawn ticket; `building` says whether a block is being
/// built now (without one, only late ballots have a message to sign).
fn drawn_ticket(b: Ballot, building: bool) -> DrawnTicket {
    let message = if building || b.request.late {
        b.message.to_vec()
    } else {
        Vec::new()
    };
    DrawnTicket {
        ticket: b.request.ticket.to_vec(),
        signer: b.request.signer.to_vec(),
        via_node: b.request.via_node.is_some(),
        message,
        late: b.request.late,
    }
}

/// How many tickets a request for `limit` gets.
fn ticket_limit(limit: u32) -> usize {
    match limit {
        0 => DEFAULT_TICKETS,
        n => (n as usize).min(MAX_TICKETS),
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn now_secs() -> u64 {
    // A clock before 1970 gives 0: the chain then uses the earliest time
    // the next block may state.
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn status_of(node: &Node, config: &RpcConfig) -> Result<NodeStatus, crate::error::NodeError> {
    let tip = node.tip()?;
    let chain_id = node.chain_id()?;
    let draw = node.next_draw()?;
    let (txs, bytes) = node.mempool_size();
    let (orphans, side) = node.fork_counts();
    Ok(NodeStatus {
        network: node.params().name.to_string(),
        height: tip.height,
        tip: tip.hash().to_vec(),
        chain_id: chain_id.to_vec(),
        mempool_transactions: txs as u64,
        mempool_bytes: bytes as u64,
        next_draw: draw.drawn.iter().map(|d| d.ticket.to_vec()).collect(),
        required_votes: count(draw.required),
        orphans: orphans as u64,
        side_blocks: side as u64,
        peers: count(config.peers.len()),
        mining: config.mining,
        connected_peers: config
            .peers
            .list()
            .into_iter()
            .map(|(id, address)| ConnectedPeer { id, address })
            .collect(),
    })
}

#[tonic::async_trait]
impl Chain for ChainService {
    async fn get_status(&self, _: Request<StatusRequest>) -> Result<Response<NodeStatus>, Status> {
        let config = self.config.clone();
        let status = blocking(&self.node, move |n| status_of(n, &config)).await?;
        Ok(Response::new(status))
    }

    async fn get_current_draw(
        &self,
        _: Request<DrawRequest>,
    ) -> Result<Response<CurrentDraw>, Status> {
        let (tip, (round, ballots, required)) =
            blocking(&self.node, |n| Ok((n.tip()?, n.current_draw()?))).await?;
        let building = round.is_some();
        Ok(Response::new(CurrentDraw {
            height: tip.height + 1,
            parent: tip.hash().to_vec(),
            tickets: ballots
                .into_iter()
                .map(|b| drawn_ticket(b, building))
                .collect(),
            required_votes: count(required),
        }))
    }

    async fn submit_vote(
        &self,
        request: Request<VoteSubmission>,
    ) -> Result<Response<VoteResponse>, Status> {
        let v = request.into_inner();
        let ticket = array32("ticket", &v.ticket)?;
        let message = array32("message", &v.message)?;
        let sig = signature(&v.signature)?;
        let late = v.late;
        blocking(&self.node, move |n| {
            n.submit_vote(ticket, message, sig, late)
        })
        .await?;
        Ok(Response::new(VoteResponse {}))
    }

    async fn get_block_template(
        &self,
        request: Request<TemplateRequest>,
    ) -> Result<Response<RawBlock>, Status> {
        let miner = array32("miner", &request.into_inner().miner)?;
        let template = blocking(&self.node, move |n| n.block_template(miner, now_secs())).await?;
        Ok(Response::new(RawBlock {
            block: template.to_bytes(),
        }))
    }

    async fn submit_block(
        &self,
        request: Request<RawBlock>,
    ) -> Result<Response<SubmitBlockResponse>, Status> {
        let block = block(&request.into_inner().block)?;
        let (hash, height) = (block.hash(), block.header.height);
        let o = blocking(&self.node, move |n| n.submit_block(block)).await?;
        Ok(Response::new(SubmitBlockResponse {
            outcome: outcome(o) as i32,
            hash: hash.to_vec(),
            height,
        }))
    }

    async fn get_account(
        &self,
        request: Request<AccountRequest>,
    ) -> Result<Response<AccountInfo>, Status> {
        let account = array32("account", &request.into_inner().account)?;
        let (balances, nonce, pending) = blocking(&self.node, move |n| n.account(&account)).await?;
        Ok(Response::new(AccountInfo {
            balances: balances
                .into_iter()
                .map(|(asset, amount)| Balance {
                    asset: asset.to_bytes().to_vec(),
                    amount,
                })
                .collect(),
            nonce,
            pending,
        }))
    }

    async fn get_tickets(
        &self,
        request: Request<TicketsRequest>,
    ) -> Result<Response<TicketList>, Status> {
        let r = request.into_inner();
        let owner = match r.owner.is_empty() {
            true => None,
            false => Some(array32("owner", &r.owner)?),
        };
        let limit = ticket_limit(r.limit);
        let all = blocking(&self.node, Node::tickets).await?;
        let tickets = all
            .into_iter()
            .filter(|(_, t)| owner.is_none_or(|o| t.owner == o))
            .take(limit)
            .map(|(id, t)| ticket(id, t))
            .collect();
        Ok(Response::new(TicketList { tickets }))
    }

    async fn get_nodes(&self, _: Request<NodesRequest>) -> Result<Response<NodeList>, Status> {
        let nodes = blocking(&self.node, Node::nodes).await?;
        Ok(Response::new(NodeList {
            nodes: nodes
                .into_iter()
                .map(|(id, n)| staking_node(id, n))
                .collect(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticket_limits() {
        assert_eq!(ticket_limit(0), DEFAULT_TICKETS);
        assert_eq!(ticket_limit(5), 5);
        assert_eq!(ticket_limit(1_000_000), MAX_TICKETS);
    }

    #[test]
    fn outcomes_map_one_to_one() {
        use submit_block_response::Outcome as O;
        assert_eq!(outcome(Outcome::BestChain), O::BestChain);
        assert_eq!(outcome(Outcome::SideBranch), O::SideBranch);
        assert_eq!(outcome(Outcome::Orphan), O::Orphan);
        assert_eq!(outcome(Outcome::Duplicate), O::Duplicate);
    }
}
