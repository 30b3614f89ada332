//! The graph the checker explores: stateright's [`Model`] over the steps of
//! [`model`](crate::model).

use stateright::{Model, Property};

use crate::event::Event;
use crate::model::{Step, VrrpModel};
use crate::state::World;

impl Model for VrrpModel {
    type State = World;
    type Action = Step;

    fn init_states(&self) -> Vec<World> {
        vec![self.initial()]
    }

    fn actions(&self, world: &World, out: &mut Vec<Step>) {
        self.enabled(world, out);
    }

    fn next_state(&self, world: &World, step: Step) -> Option<World> {
        Some(self.apply(world, step, &mut None))
    }

    fn properties(&self) -> Vec<Property<Self>> {
        crate::properties::all()
    }

    fn format_action(&self, step: &Step) -> String {
        step.to_string()
    }

    fn format_step(&self, world: &World, step: Step) -> Option<String> {
        let mut events: Vec<Event> = Vec::new();
        let next = self.apply(world, step, &mut Some(&mut events));
        let mut text: Vec<String> = events.iter().map(ToString::to_string).collect();
        text.push(crate::trace::summary(self, &next));
        Some(text.join("\n"))
    }
}
